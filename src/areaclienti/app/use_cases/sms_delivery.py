"""The SMS provider's delivery-status reports: verified, then written to the audit log (SPEC §8)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from areaclienti.domain.audit import AuditEvent, AuditEventKind

from ..ports.clock import Clock
from ..ports.sms_reports import InvalidSmsReport, SmsDeliveryReport, SmsDeliveryReports
from ..ports.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


class SmsDeliveryStatuses:
    """Records what the provider says became of each SMS, against the outbox item that sent it."""

    def __init__(self, reports: SmsDeliveryReports | None, uow_factory: Callable[[], UnitOfWork],
                 clock: Clock) -> None:
        self.reports = reports
        self.uow_factory = uow_factory
        self.clock = clock

    @property
    def enabled(self) -> bool:
        """False when no SMS provider sends reports (the development outbox)."""
        return self.reports is not None

    def receive(self, url: str, params: Sequence[tuple[str, str]], headers: Mapping[str, str]) -> SmsDeliveryReport:
        """Verify one report and record it as an audit event; the outbox item's id is its subject.

        A forged or unsigned report writes nothing (anyone can post to the address: the database is not
        theirs to fill); it is logged. A report repeated by the provider is recorded again with the same
        ``delivery`` id, and one for a message sent twice after a crash with another ``sid``.

        Raises:
            InvalidSmsReport: not signed by the provider for this address, or incomplete.
        """
        if self.reports is None:
            raise InvalidSmsReport("no SMS provider is configured")
        try:
            report = self.reports.parse(url, params, headers)
        except InvalidSmsReport as error:
            log.warning("SMS status report refused: %s", error)
            raise
        now = self.clock.now()
        with self.uow_factory() as uow:
            item = uow.outbox.get(report.reference)
            uow.audit.add(AuditEvent(
                AuditEventKind.SMS_DELIVERY_REPORTED, now, subject=report.reference,
                details={"item": report.reference, "sid": report.provider_id, "status": report.status, "error_code": report.error_code,
                         "delivery": report.delivery_id, "known_item": item is not None}))
            uow.commit()
        if report.error_code:
            log.warning("SMS %s (%s) is %s, error %s", report.reference, report.provider_id, report.status,
                        report.error_code)
        return report
