"""The one composition root: which adapter serves which port, for the web, the CLI and the worker."""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta

from dependency_injector import containers, providers

from areaclienti.adapters.clock import SystemClock
from areaclienti.adapters.demo_core.core_system import DemoCoreSystem
from areaclienti.adapters.demo_core.ledger import SqlLedger
from areaclienti.adapters.demo_core.promotions import DemoPromotions
from areaclienti.adapters.demo_payments import DemoPaymentProvider
from areaclienti.adapters.places.comuni import ComuniItaliani
from areaclienti.adapters.dev_outbox.senders import DevOutboxEmailSender, DevOutboxSmsSender
from areaclienti.adapters.dev_outbox.store import DevOutbox
from areaclienti.adapters.filesystem.storage import FileSystemStorage
from areaclienti.adapters.memory.queue import InlineTaskQueue
from areaclienti.adapters.reportlab.receipts import ReportlabReceiptRenderer
from areaclienti.adapters.rq.queue import RqTaskQueue, redis_from_url
from areaclienti.adapters.security.argon2 import Argon2PasswordHasher
from areaclienti.adapters.security.blocklist import ZxcvbnPasswordBlocklist
from areaclienti.adapters.security.generators import SystemSecretGenerator
from areaclienti.adapters.security.hmac_hasher import HmacSecretHasher
from areaclienti.adapters.security.secret_box import FernetSecretBox
from areaclienti.adapters.security.file_inspector import PillowPypdfInspector
from areaclienti.adapters.security.sniffer import FiletypeSniffer
from areaclienti.adapters.security.totp import PyotpAuthenticator
from areaclienti.adapters.sms.twilio import TwilioSmsSender, TwilioStatusCallbacks
from areaclienti.adapters.smtp.email import SmtpEmailSender
from areaclienti.adapters.sqlalchemy.database import make_engine
from areaclienti.adapters.sqlalchemy.unit_of_work import RequestScope, SqlAlchemyUnitOfWork
from areaclienti.app.notifications import Notifier
from areaclienti.app.ports.core_system import PolicyCoreSystem
from areaclienti.app.ports.repositories import OutboxKind
from areaclienti.app.ports.storage import FileStorage
from areaclienti.app.tasks import TaskRunner, email_handler, sms_handler
from areaclienti.app.uploads import UploadPipeline
from areaclienti.app.use_cases.data_changes import DataChanges
from areaclienti.app.use_cases.account_contacts import AccountContacts
from areaclienti.app.use_cases.identification import Identification
from areaclienti.app.use_cases.legacy import LegacyFirstAccess
from areaclienti.app.use_cases.login import Login, Logout
from areaclienti.app.use_cases.operators import OperatorAccess
from areaclienti.app.use_cases.otp import OtpService
from areaclienti.app.use_cases.passwords import (
    ChangePasswordHandler,
    CompletePasswordLink,
    PasswordReset,
    PasswordRules,
)
from areaclienti.app.calendar import italian_day
from areaclienti.app.use_cases.policies import CustomerPolicies
from areaclienti.app.use_cases.desk import RequestsDesk
from areaclienti.app.use_cases.claims import Claims
from areaclienti.app.use_cases.requests import BankAccount, PolicyRequests
from areaclienti.app.use_cases.surrender import Surrenders
from areaclienti.app.use_cases.assistance import (
    Assistance,
    AssistanceDesk,
    AssistanceSettings,
    PhoneAssistance,
    ThreadLinks,
)
from areaclienti.domain.service_hours import ServiceHours
from areaclienti.app.use_cases.suspension import Suspensions
from areaclienti.app.use_cases.policy_page import PolicyPages
from areaclienti.domain.policies import Company
from areaclienti.app.use_cases.registration import Registration
from areaclienti.app.use_cases.review import IdentificationReview
from areaclienti.app.use_cases.sessions import SessionManager
from areaclienti.app.use_cases.sms_delivery import SmsDeliveryStatuses
from areaclienti.app.use_cases.consents import Consents
from areaclienti.app.use_cases.security import AccountSecurity, SessionPurge
from areaclienti.domain.identification import UploadLimits
from areaclienti.domain.operators import OperatorSessionSettings
from areaclienti.domain.otp import OtpSettings
from areaclienti.domain.retries import RetryPolicy
from areaclienti.domain.sessions import SessionSettings
from areaclienti.domain.throttling import ThrottleSettings

from .links import WebLinks


def _demo_core(clock: SystemClock, engine, settings) -> DemoCoreSystem:
    return DemoCoreSystem.for_today(italian_day(clock.now()), ledger=SqlLedger(engine), now=clock.now,
                                    delay=timedelta(seconds=settings.demo_core_delay_seconds))


def _core_system(clock: SystemClock, engine, settings) -> PolicyCoreSystem:
    """The insurer's core system over HTTP when ``AREACLIENTI_CORE_URL`` is set (``areaclienti core serve`` or
    the real one); otherwise the demo core system in this process (the embedded default of ``./dev serve``)."""
    if not settings.core_url:
        return _demo_core(clock, engine, settings)
    from areaclienti.adapters.core_http import CircuitBreaker, CoreTimeouts, HttpCoreSystem

    return HttpCoreSystem(
        settings.core_url,
        timeouts=CoreTimeouts(connect=settings.core_connect_timeout_seconds, read=settings.core_read_timeout_seconds),
        retries=settings.core_retries, cache_seconds=settings.core_cache_seconds,
        breaker=CircuitBreaker(failures=settings.core_breaker_failures, open_seconds=settings.core_breaker_open_seconds),
    )


def _demo_payments(engine, secret_key: str, settings, clock) -> DemoPaymentProvider:
    # The demo provider signs with a key of its own, derived from the application key.
    key = hmac.new(secret_key.encode(), b"demo payment provider notifications", hashlib.sha256).digest()
    return DemoPaymentProvider(engine, key, settings.base_url, now=clock.now,
                               sepa_delay=timedelta(seconds=settings.demo_core_delay_seconds))


BANK_ACCOUNTS = {  # where customers send bank transfers (demo IBANs with valid check digits)
    Company.VITA: BankAccount("CA Vita S.p.A.", "IT61X0306909606100000012345"),
    Company.DANNI: BankAccount("CA Assicurazioni S.p.A.", "IT67Y0306909606100000067890"),
}


def _lazy_runner(task_runner: Callable[[], TaskRunner]) -> Callable[[str, dict], object]:
    """The in-process queue runs tasks through the runner, built only when a task runs (no cycle)."""
    return lambda task, kwargs: task_runner().run(task, kwargs)


def _secret_key_bytes(secret_key: str) -> bytes:
    return secret_key.encode()


def _retry_policy(settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.outbox_max_attempts,
        visibility_timeout=timedelta(seconds=settings.outbox_visibility_seconds),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
    )


def _storage(settings) -> FileStorage:
    if settings.storage != "s3":
        return FileSystemStorage(settings.files_dir)
    from areaclienti.adapters.s3.storage import S3Settings, S3Storage  # boto3 loads only when used

    return S3Storage.from_settings(S3Settings(
        bucket=settings.s3_bucket, endpoint_url=settings.s3_endpoint_url, region=settings.s3_region,
        prefix=settings.s3_prefix))


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency()  # an entrypoints.config.Settings

    # --- core: time, storage, security primitives -------------------------------------------------
    clock = providers.Singleton(SystemClock)
    engine = providers.Singleton(make_engine, settings.provided.database_url)
    uow = providers.Factory(SqlAlchemyUnitOfWork, engine)
    # Entered around each web request: its units of work share one connection and, while reading, one
    # transaction (the session, the account and the page's reads).
    request_scope = providers.Singleton(RequestScope, engine)
    secrets = providers.Singleton(SystemSecretGenerator)
    secret_hasher = providers.Singleton(
        HmacSecretHasher, providers.Factory(_secret_key_bytes, settings.provided.secret_key)
    )
    secret_box = providers.Singleton(
        FernetSecretBox, providers.Factory(_secret_key_bytes, settings.provided.secret_key)
    )
    retry_policy = providers.Singleton(_retry_policy, settings)
    password_hasher = providers.Singleton(Argon2PasswordHasher)
    password_blocklist = providers.Singleton(ZxcvbnPasswordBlocklist)
    otp_settings = providers.Singleton(OtpSettings, length=settings.provided.otp_length)
    throttle_settings = providers.Singleton(ThrottleSettings)
    session_settings = providers.Singleton(SessionSettings)
    operator_session_settings = providers.Singleton(OperatorSessionSettings)
    upload_limits = providers.Singleton(UploadLimits)
    storage = providers.Singleton(_storage, settings)
    sniffer = providers.Singleton(FiletypeSniffer)
    file_inspector = providers.Singleton(PillowPypdfInspector)
    uploads = providers.Factory(UploadPipeline, storage=storage, sniffer=sniffer, inspector=file_inspector)
    totp = providers.Singleton(PyotpAuthenticator)
    receipt_renderer = providers.Singleton(ReportlabReceiptRenderer)

    # --- gateways ---------------------------------------------------------------------------------
    core_system = providers.Singleton(_core_system, clock, engine, settings)
    payment_provider = providers.Singleton(_demo_payments, engine, settings.provided.secret_key, settings, clock)
    links = providers.Singleton(WebLinks, settings.provided.base_url)
    places = providers.Singleton(ComuniItaliani)  # ISTAT comuni with their CAPs, and countries
    promotions = providers.Singleton(DemoPromotions)  # the dashboard's promotional box (IVASS art. 43)
    dev_outbox = providers.Singleton(DevOutbox, settings.provided.dev_outbox_path)
    sms_sender = providers.Selector(
        settings.provided.sms_backend,
        dev_outbox=providers.Singleton(DevOutboxSmsSender, dev_outbox, clock),
        twilio=providers.Singleton(
            TwilioSmsSender,
            account_sid=settings.provided.twilio_account_sid,
            auth_token=settings.provided.twilio_auth_token,
            sender=settings.provided.twilio_from,
            callback_base_url=settings.provided.base_url,
            api_base=settings.provided.twilio_base_url,
        ),
    )
    sms_reports = providers.Selector(
        settings.provided.sms_backend,
        dev_outbox=providers.Object(None),  # the development outbox sends no delivery reports
        twilio=providers.Singleton(TwilioStatusCallbacks, settings.provided.twilio_auth_token),
    )
    email_sender = providers.Selector(
        settings.provided.email_backend,
        dev_outbox=providers.Singleton(DevOutboxEmailSender, dev_outbox, clock),
        smtp=providers.Singleton(
            SmtpEmailSender,
            host=settings.provided.smtp_host,
            port=settings.provided.smtp_port,
            sender=settings.provided.smtp_sender,
            starttls=settings.provided.smtp_starttls,
            username=settings.provided.smtp_username,
            password=settings.provided.smtp_password,
        ),
    )
    redis = providers.Singleton(redis_from_url, settings.provided.redis_url)
    task_runner = providers.Factory(
        TaskRunner,
        uow_factory=uow.provider,
        clock=clock,
        box=secret_box,
        policy=retry_policy,
        senders=providers.Dict({
            OutboxKind.SMS: providers.Factory(sms_handler, sms_sender),
            OutboxKind.EMAIL: providers.Factory(email_handler, email_sender),
        }),
        # A batch of deliveries holds the senders' connections (one SMTP connection for the batch).
        batch_scopes=providers.List(email_sender.provided.batch, sms_sender.provided.batch),
    )
    task_queue = providers.Selector(
        settings.provided.queue_backend,
        inline=providers.Singleton(InlineTaskQueue, providers.Callable(_lazy_runner, task_runner.provider)),
        rq=providers.Singleton(RqTaskQueue, redis, queue_name=settings.provided.queue_name),
    )
    task_runner.add_kwargs(queue=task_queue.provider)  # the relay hands due items to the queue

    # --- use cases --------------------------------------------------------------------------------
    notifier = providers.Singleton(Notifier, task_queue.provider, secrets.provided.new_id, secret_box, retry_policy,
                                   uow.provider)
    otp = providers.Singleton(OtpService, secrets, secret_hasher, notifier, otp_settings)
    password_rules = providers.Singleton(PasswordRules, password_blocklist)
    registration = providers.Factory(
        Registration, uow_factory=uow.provider, core=core_system, clock=clock, secrets=secrets,
        hasher=secret_hasher, otp=otp, notifier=notifier, links=links,
    )
    complete_password_link = providers.Factory(
        CompletePasswordLink, uow_factory=uow.provider, clock=clock, hasher=secret_hasher,
        password_hasher=password_hasher, rules=password_rules, notifier=notifier,
    )
    password_reset = providers.Factory(
        PasswordReset, uow_factory=uow.provider, clock=clock, secrets=secrets, hasher=secret_hasher,
        otp=otp, notifier=notifier, links=links,
    )
    change_password = providers.Factory(
        ChangePasswordHandler, uow_factory=uow.provider, clock=clock, password_hasher=password_hasher,
        rules=password_rules, notifier=notifier, throttle_settings=throttle_settings,
    )
    account_contacts = providers.Factory(
        AccountContacts, uow_factory=uow.provider, clock=clock, secrets=secrets, hasher=secret_hasher,
        password_hasher=password_hasher, throttle_settings=throttle_settings, otp=otp, notifier=notifier,
        links=links,
    )
    sessions = providers.Singleton(
        SessionManager, uow_factory=uow.provider, clock=clock, secrets=secrets, hasher=secret_hasher,
        settings=session_settings,
    )
    login = providers.Factory(
        Login, uow_factory=uow.provider, clock=clock, hasher=secret_hasher,
        password_hasher=password_hasher, throttle_settings=throttle_settings, sessions=sessions,
    )
    logout = providers.Factory(Logout, uow_factory=uow.provider, clock=clock)
    legacy_first_access = providers.Factory(
        LegacyFirstAccess, uow_factory=uow.provider, core=core_system, clock=clock, secrets=secrets,
        hasher=secret_hasher, otp=otp, notifier=notifier, links=links,
    )
    customer_policies = providers.Factory(CustomerPolicies, uow_factory=uow.provider, core=core_system, clock=clock)
    policy_requests = providers.Factory(
        PolicyRequests, uow_factory=uow.provider, core=core_system, clock=clock, secrets=secrets,
        notifier=notifier, payments=payment_provider, links=links, policies=customer_policies,
        bank_accounts=providers.Object(BANK_ACCOUNTS),
    )
    claims = providers.Factory(
        Claims, uow_factory=uow.provider, clock=clock, secrets=secrets, requests=policy_requests, core=core_system,
        notifier=notifier, uploads=uploads, storage=storage, limits=upload_limits,
    )
    surrenders = providers.Factory(
        Surrenders, uow_factory=uow.provider, clock=clock, core=core_system, requests=policy_requests,
    )
    suspensions = providers.Factory(
        Suspensions, uow_factory=uow.provider, clock=clock, core=core_system, requests=policy_requests,
        notifier=notifier,
    )
    data_changes = providers.Factory(
        DataChanges, uow_factory=uow.provider, core=core_system, places=places, policies=customer_policies,
        requests=policy_requests,
    )
    policy_pages = providers.Factory(
        PolicyPages, uow_factory=uow.provider, clock=clock, core=core_system, policies=customer_policies,
        requests=policy_requests,
    )
    # --- assistance (SPEC §6) ------------------------------------------------------------------------
    service_hours = providers.Singleton(ServiceHours)
    assistance_settings = providers.Singleton(AssistanceSettings)
    thread_links = providers.Singleton(
        ThreadLinks, hasher=secret_hasher, links=links,
        lifetime=assistance_settings.provided.link_lifetime,
    )
    assistance = providers.Factory(
        Assistance, uow_factory=uow.provider, clock=clock, secrets=secrets, notifier=notifier,
        thread_links=thread_links, core=core_system, settings=assistance_settings,
    )
    assistance_desk = providers.Factory(
        AssistanceDesk, uow_factory=uow.provider, clock=clock, secrets=secrets, notifier=notifier,
        thread_links=thread_links, hours=service_hours, settings=assistance_settings,
    )
    phone_assistance = providers.Factory(
        PhoneAssistance, uow_factory=uow.provider, clock=clock, core=core_system, hours=service_hours,
        settings=assistance_settings,
    )
    task_runner.add_kwargs(steps=providers.Dict({
        OutboxKind.BEGIN_PASSWORD_RESET: password_reset.provided.begin,
        OutboxKind.RESEND_PASSWORD_RESET_CODE: password_reset.provided.resend_code,
        OutboxKind.BEGIN_FIRST_ACCESS: legacy_first_access.provided.begin,
        OutboxKind.HAND_OVER_REQUEST: policy_requests.provided.hand_over,
        OutboxKind.HAND_OVER_DOCUMENTS: claims.provided.hand_over_documents,
        OutboxKind.HAND_OVER_WITHDRAWAL: suspensions.provided.hand_over_withdrawal,
    }))
    requests_desk = providers.Factory(
        RequestsDesk, uow_factory=uow.provider, clock=clock, box=secret_box, requests=policy_requests,
    )


    # --- identification and back-office (R-ID) ----------------------------------------------------
    identification = providers.Factory(
        Identification, uow_factory=uow.provider, clock=clock, secrets=secrets, hasher=secret_hasher, otp=otp,
        storage=storage, uploads=uploads, limits=upload_limits,
    )
    review = providers.Factory(
        IdentificationReview, uow_factory=uow.provider, clock=clock, core=core_system, storage=storage,
        notifier=notifier, links=links,
    )
    operator_access = providers.Factory(
        OperatorAccess, uow_factory=uow.provider, clock=clock, secrets=secrets, hasher=secret_hasher,
        password_hasher=password_hasher, blocklist=password_blocklist, totp=totp,
        throttle_settings=throttle_settings, session_settings=operator_session_settings,
    )
    operator_sessions = providers.Singleton(
        SessionManager, uow_factory=uow.provider, clock=clock, secrets=secrets, hasher=secret_hasher,
        settings=operator_session_settings,
    )

    # --- the customer's consents and security page (issue 12) -------------------------------------
    consents = providers.Factory(Consents, uow_factory=uow.provider, clock=clock, secrets=secrets)
    sms_delivery_statuses = providers.Factory(SmsDeliveryStatuses, reports=sms_reports, uow_factory=uow.provider,
                                              clock=clock)
    account_security = providers.Factory(AccountSecurity, uow_factory=uow.provider, clock=clock,
                                         settings=session_settings)
    session_purge = providers.Factory(SessionPurge, uow_factory=uow.provider, clock=clock,
                                      lifetimes=providers.List(session_settings, operator_session_settings))


def build_container(settings) -> Container:
    return Container(settings=settings)

