"""Sending and checking SMS codes, shared by every journey that needs one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from areaclienti.domain.audit import AuditEvent, AuditEventKind
from areaclienti.domain.contacts import mask_mobile
from areaclienti.domain.errors import OtpAttemptsExhausted, OtpInvalid, OtpSendRefused
from areaclienti.domain.otp import OtpChallenge, OtpPurpose, OtpSettings, check_send_allowed

from .. import messages
from ..notifications import Notifier
from ..ports.security import SecretGenerator, SecretHasher
from ..ports.unit_of_work import UnitOfWork


@dataclass
class OtpService:
    secrets: SecretGenerator
    hasher: SecretHasher
    notifier: Notifier
    settings: OtpSettings

    def send(
        self,
        uow: UnitOfWork,
        *,
        purpose: OtpPurpose,
        subject: str,
        destination: str,
        flow_hash: str,
        now: datetime,
        account_id: str | None = None,
    ) -> OtpChallenge:
        """Send a new code for a flow, voiding the person's previous ones.

        Raises:
            OtpSendRefused: too many codes for this person or number, or too soon after the last one.
        """
        since = now - self.settings.send_window
        check_send_allowed(
            sends_to_subject=uow.otps.sent_since(subject=subject, since=since),
            sends_to_destination=uow.otps.sent_since(destination=destination, since=since),
            now=now,
            settings=self.settings,
        )
        for previous in uow.otps.open_for_subject(subject):
            previous.void(now)
            uow.otps.save(previous)
        code = self.secrets.otp_code(self.settings.length)
        challenge = OtpChallenge.issue(
            challenge_id=self.secrets.new_id(),
            purpose=purpose,
            subject=subject,
            destination=destination,
            flow_hash=flow_hash,
            code_hash=self.hasher.hash(code),
            now=now,
            settings=self.settings,
            account_id=account_id,
        )
        uow.otps.add(challenge)
        minutes = int(self.settings.lifetime.total_seconds() // 60)
        self.notifier.sms(uow, to=destination, text=messages.otp_sms(code, minutes), now=now)
        uow.audit.add(
            AuditEvent(
                AuditEventKind.OTP_SENT, now, account_id=account_id,
                details={"purpose": purpose.value, "to": mask_mobile(destination)},
            )
        )
        return challenge

    def send_or_reuse(
        self,
        uow: UnitOfWork,
        *,
        purpose: OtpPurpose,
        subject: str,
        destination: str,
        flow_hash: str,
        now: datetime,
        account_id: str | None = None,
    ) -> OtpChallenge:
        """Like ``send``; but when the limits refuse a new code and one sent to the same number is still
        open, that code answers the new flow too (a form sent twice within the cool-down).

        Raises:
            OtpSendRefused: refused, and no open code to reuse.
        """
        try:
            return self.send(uow, purpose=purpose, subject=subject, destination=destination,
                             flow_hash=flow_hash, now=now, account_id=account_id)
        except OtpSendRefused as refused:
            reusable = [c for c in uow.otps.open_for_subject(subject)
                        if c.purpose is purpose and c.destination == destination and c.is_open(now)]
            uow.audit.add(AuditEvent(AuditEventKind.OTP_SEND_REFUSED, now, account_id=account_id, details={
                "purpose": purpose.value, "retry_after": refused.retry_after.isoformat(),
                "previous_code_reused": bool(reusable)}))
            if not reusable:
                raise
            newest = max(reusable, key=lambda c: c.created_at)
            uow.otps.rebind_flow(newest.id, flow_hash)
            newest.flow_hash = flow_hash
            return newest

    def verify(
        self, uow: UnitOfWork, *, purpose: OtpPurpose, flow_hash: str, code: str, now: datetime,
        generic: bool = False,
    ) -> OtpChallenge:
        """Check a typed code against the flow's newest challenge; a failed try is committed at once.

        ``generic`` flows (reset, first access) answer every failure as a plain OtpInvalid: tries left or
        exhausted would tell a real flow, hence a known email, from a made-up one.

        Raises:
            OtpInvalid: wrong, expired, used, voided or unknown flow.
            OtpAttemptsExhausted: no tries left; a new code must be requested.
        """
        challenge = uow.otps.latest_for_flow(flow_hash)
        if challenge is None or challenge.purpose is not purpose:
            # Written like a real failed try, so an unknown flow costs what a known one does.
            uow.audit.add(AuditEvent(AuditEventKind.OTP_FAILED, now,
                                     details={"purpose": purpose.value, "unknown_flow": True}))
            uow.commit()
            raise OtpInvalid()
        if challenge.consumed_at is not None or challenge.voided_at is not None:
            raise OtpInvalid()  # used, or replaced by a newer code: not "no tries left"
        if challenge.attempts >= challenge.max_attempts:
            raise OtpInvalid() if generic else OtpAttemptsExhausted()
        attempts = uow.otps.count_attempt(challenge.id)
        if attempts is None:
            raise OtpInvalid() if generic else OtpAttemptsExhausted()
        typed = "".join((code or "").split())
        try:
            challenge.check(self.hasher.hash(typed), attempts, now)
        except (OtpInvalid, OtpAttemptsExhausted):
            uow.audit.add(
                AuditEvent(
                    AuditEventKind.OTP_FAILED, now, account_id=challenge.account_id,
                    details={"purpose": purpose.value, "attempt": attempts},
                )
            )
            uow.commit()
            if generic:
                raise OtpInvalid() from None
            raise
        if not uow.otps.consume(challenge.id, now):
            raise OtpInvalid()
        uow.audit.add(
            AuditEvent(AuditEventKind.OTP_VERIFIED, now, account_id=challenge.account_id,
                       details={"purpose": purpose.value})
        )
        return challenge
