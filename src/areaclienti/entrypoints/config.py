"""Configuration from environment variables, with safe production defaults.

Development (``AREACLIENTI_ENV=development``, what ``./dev serve`` sets) turns on the dev pages and the
demo data; production refuses to start without a secret key and serves neither.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

ENVIRONMENTS = ("production", "development", "test")
STORAGES = ("filesystem", "s3")
SMS_BACKENDS = ("twilio", "dev_outbox")


@dataclass(frozen=True)
class Settings:
    env: str = "production"
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:5000"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "Area Clienti <no-reply@areaclienti.example>"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    sms_backend: str = "dev_outbox"  # or "twilio" (adapters/sms)
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None  # also the key of Twilio's signed delivery-status callbacks
    twilio_from: str | None = None  # a number, an alphanumeric sender ID, or a Messaging Service SID (MG…)
    twilio_base_url: str = "https://api.twilio.com"  # the API's address (tests point it at a local server)
    otp_length: int = 5
    queue_name: str = "areaclienti"
    # The outbox's one retry mechanism (domain.retries.RetryPolicy) and how often the relay runs.
    outbox_max_attempts: int = 8
    outbox_visibility_seconds: float = 30
    outbox_lease_seconds: float = 60
    relay_period_seconds: float = 5
    follow_up_period_seconds: float = 5  # how often the core system's answers and bank transfers are read
    demo_core_delay_seconds: float = 20  # the demo core system moves requests on after this (and SEPA debits)
    bench_routes: bool = False  # the yardstick routes of bench/pages.py (web/bench_routes.py)
    # The core system over HTTP (adapters.core_http): unset, the demo core system runs in-process.
    core_url: str | None = None
    core_database_url: str = ""  # the demo core system's own database (``areaclienti core serve``)
    core_connect_timeout_seconds: float = 1.0
    core_read_timeout_seconds: float = 3.0  # a look-up; hand-offs and documents get longer (CoreTimeouts)
    core_retries: int = 1  # extra attempts of an idempotent call after a failure of the connection
    core_breaker_failures: int = 5  # consecutive failed calls that open the circuit
    core_breaker_open_seconds: float = 30  # how long an open circuit refuses calls before one probe
    core_cache_seconds: float = 15  # how long a party's policies are kept (0: not kept)
    # Where uploads live: "filesystem" (files_dir, one machine) or "s3" (a bucket every machine shares);
    # the S3 credentials come the usual AWS way (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, a role).
    storage: str = "filesystem"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None  # MinIO, Ceph, another provider, a local test server
    s3_region: str | None = None
    s3_prefix: str = ""  # e.g. "uploads/", when the bucket holds other things
    extra: dict = field(default_factory=dict)

    @property
    def development(self) -> bool:
        return self.env in ("development", "test")

    @property
    def queue_backend(self) -> str:
        return "rq" if self.redis_url else "inline"

    @property
    def email_backend(self) -> str:
        return "smtp" if self.smtp_host else "dev_outbox"

    @property
    def dev_outbox_path(self) -> Path:
        return self.data_dir / "dev-outbox.jsonl"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        env = dict(os.environ if environ is None else environ)
        get = lambda name, default=None: env.get(f"AREACLIENTI_{name}", default)  # noqa: E731
        mode = get("ENV", "production")
        if mode not in ENVIRONMENTS:
            raise SystemExit(f"AREACLIENTI_ENV must be one of {', '.join(ENVIRONMENTS)}, not {mode!r}")
        data_dir = Path(get("DATA_DIR", "var")).resolve()
        values = dict(
            env=mode,
            data_dir=data_dir,
            database_url=get("DATABASE_URL") or f"sqlite:///{data_dir / 'areaclienti.db'}",
            redis_url=get("REDIS_URL") or None,
            secret_key=get("SECRET_KEY", ""),
            base_url=get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
            smtp_host=get("SMTP_HOST") or None,
            smtp_port=int(get("SMTP_PORT", "25")),
            smtp_sender=get("SMTP_SENDER", cls.smtp_sender),
            smtp_username=get("SMTP_USERNAME") or None,
            smtp_password=get("SMTP_PASSWORD") or None,
            smtp_starttls=get("SMTP_STARTTLS", "0") in ("1", "true", "yes"),
            sms_backend=get("SMS_BACKEND", ""),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=get("TWILIO_AUTH_TOKEN") or None,
            twilio_from=get("TWILIO_FROM") or None,
            twilio_base_url=(get("TWILIO_BASE_URL") or cls.twilio_base_url).rstrip("/"),
            otp_length=int(get("OTP_LENGTH", "5")),
            queue_name=get("QUEUE_NAME", "areaclienti"),
            outbox_max_attempts=int(get("OUTBOX_MAX_ATTEMPTS", "8")),
            outbox_visibility_seconds=float(get("OUTBOX_VISIBILITY_SECONDS", "30")),
            outbox_lease_seconds=float(get("OUTBOX_LEASE_SECONDS", "60")),
            relay_period_seconds=float(get("RELAY_PERIOD_SECONDS", "5")),
            follow_up_period_seconds=float(get("FOLLOW_UP_PERIOD_SECONDS", "5")),
            demo_core_delay_seconds=float(get("DEMO_CORE_DELAY_SECONDS", "20")),
            bench_routes=get("BENCH_ROUTES", "0") in ("1", "true", "yes"),
            core_url=(get("CORE_URL") or "").rstrip("/") or None,
            core_database_url=get("CORE_DATABASE_URL") or f"sqlite:///{data_dir / 'democore.db'}",
            core_connect_timeout_seconds=float(get("CORE_CONNECT_TIMEOUT_SECONDS", "1")),
            core_read_timeout_seconds=float(get("CORE_READ_TIMEOUT_SECONDS", "3")),
            core_retries=int(get("CORE_RETRIES", "1")),
            core_breaker_failures=int(get("CORE_BREAKER_FAILURES", "5")),
            core_breaker_open_seconds=float(get("CORE_BREAKER_OPEN_SECONDS", "30")),
            core_cache_seconds=float(get("CORE_CACHE_SECONDS", "15")),
            storage=get("STORAGE") or "filesystem",
            s3_bucket=get("S3_BUCKET") or None,
            s3_endpoint_url=get("S3_ENDPOINT_URL") or None,
            s3_region=get("S3_REGION") or None,
            s3_prefix=get("S3_PREFIX", ""),
        )
        values.update(overrides)
        settings = cls(**values)
        if settings.sms_backend not in ("", *SMS_BACKENDS):
            raise SystemExit(f"AREACLIENTI_SMS_BACKEND must be one of {', '.join(SMS_BACKENDS)}, "
                             f"not {settings.sms_backend!r}")
        if settings.sms_backend == "twilio":
            _require_twilio(settings)
        if not settings.development:
            _refuse_development_fallbacks(settings)
        if not settings.sms_backend:
            settings = replace(settings, sms_backend="dev_outbox")
        _check_storage(settings)
        if not settings.secret_key:
            settings = _with_dev_secret(settings)
        return settings


def _refuse_development_fallbacks(settings: Settings) -> None:
    """Outside development, nothing falls back silently to what only suits a developer's machine."""
    missing = []
    if not settings.secret_key:
        missing.append("AREACLIENTI_SECRET_KEY (keys the hashes of codes, links and sessions)")
    if not settings.redis_url:
        missing.append("AREACLIENTI_REDIS_URL (tasks must leave the request, or answers differ in time)")
    if not settings.smtp_host:
        missing.append("AREACLIENTI_SMTP_HOST (emails would only reach a local file)")
    if not settings.sms_backend:
        missing.append("AREACLIENTI_SMS_BACKEND=twilio with AREACLIENTI_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM "
                       "(or 'dev_outbox', which writes codes to a local file: set it knowingly, for a staging "
                       "system)")
    if missing:
        raise SystemExit("Area Clienti will not start in production without:\n- " + "\n- ".join(missing))


def _require_twilio(settings: Settings) -> None:
    missing = [f"AREACLIENTI_TWILIO_{name}" for name, value in (
        ("ACCOUNT_SID", settings.twilio_account_sid), ("AUTH_TOKEN", settings.twilio_auth_token),
        ("FROM", settings.twilio_from)) if not value]
    if missing:
        raise SystemExit("AREACLIENTI_SMS_BACKEND=twilio needs " + ", ".join(missing))


def _check_storage(settings: Settings) -> None:
    if settings.storage not in STORAGES:
        raise SystemExit(f"AREACLIENTI_STORAGE must be one of {', '.join(STORAGES)}, not {settings.storage!r}")
    if settings.storage == "s3" and not settings.s3_bucket:
        raise SystemExit("AREACLIENTI_STORAGE=s3 needs AREACLIENTI_S3_BUCKET")


def _with_dev_secret(settings: Settings) -> Settings:
    """Development keeps a random key in the data folder, so sessions survive a restart."""
    path = settings.data_dir / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Processes often start together (gunicorn workers, the rq worker): each writes its key aside and
        # links it into place, which only the first can do, so all of them read that one, never half of it.
        draft = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_hex(32))  # readable by its owner only from the first byte
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return replace(settings, secret_key=path.read_text().strip())
