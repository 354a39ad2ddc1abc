"""The ``areaclienti`` command: serve, worker, db upgrade, demo load, outbox relay, sessions purge, operator."""
from __future__ import annotations

import logging
import os
import sys
from dataclasses import replace
from typing import NoReturn

import click

from .config import Settings
from .container import Container, build_container
from .demo import demo_operator_line, load_demo


def _container() -> tuple[Settings, Container]:
    settings = Settings.from_env()
    return settings, build_container(settings)


def prepare_database(container: Container) -> None:
    from areaclienti.adapters.sqlalchemy.database import upgrade

    upgrade(container.engine())


@click.group()
def main() -> None:
    """Area Clienti: the customer area of CA Vita and CA Assicurazioni."""
    if not logging.getLogger().handlers:  # as basicConfig: a host that set up logging (a test) keeps it
        from .logs import configure_logging, log_format

        configure_logging(log_format(os.environ.get("AREACLIENTI_ENV") in ("development", "test"), os.environ))


GUNICORN_CONFIG = "python:areaclienti.entrypoints.gunicorn_conf"


@main.command()
@click.option("--host", default=None, help="Default 127.0.0.1 (in production: AREACLIENTI_WEB_BIND's).")
@click.option("--port", default=None, type=int, help="Default 5000 (in production: AREACLIENTI_WEB_BIND's).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the site: migrate the database first; in development, load the demo data and serve with
    werkzeug; otherwise run gunicorn with its configuration (entrypoints/gunicorn_conf.py; workers and
    threads from AREACLIENTI_WEB_WORKERS and AREACLIENTI_WEB_THREADS)."""
    from werkzeug.serving import run_simple

    from .web.app import create_app

    settings = Settings.from_env()
    if not settings.development:
        _serve_with_gunicorn(settings, host, port)
    host, port = host or "127.0.0.1", port or 5000
    if "AREACLIENTI_BASE_URL" not in os.environ:  # links in emails point where this server listens
        settings = replace(settings, base_url=f"http://{host}:{port}")
    container = build_container(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    prepare_database(container)
    if settings.development:
        added = load_demo(container)
        click.echo(f"Demo data ready ({added} demo accounts added). Demo customers: "
                   f"http://{host}:{port}/_dev/demo-customers · outbox: http://{host}:{port}/_dev/outbox")
        click.echo(demo_operator_line(settings.base_url))
    app = create_app(settings, container)
    if settings.queue_backend == "inline":  # the embedded default: the periodic jobs run in this process
        import threading

        from .worker import Schedule, periodic_jobs

        Schedule(periodic_jobs(container), threading.Event()).start()
    click.echo(f"Area Clienti on http://{host}:{port}/ ({settings.env}, queue: {settings.queue_backend}, "
               f"database: {container.engine().url.render_as_string(hide_password=True)})")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _serve_with_gunicorn(settings: Settings, host: str | None, port: int | None) -> NoReturn:
    """Migrate once, here, then become gunicorn's master (signals from systemd reach it directly); each
    worker builds its own app from ``entrypoints.wsgi``."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    prepare_database(build_container(settings))
    command = [sys.executable, "-m", "gunicorn", "--config", GUNICORN_CONFIG]
    if host or port:
        command += ["--bind", f"{host or '127.0.0.1'}:{port or 5000}"]
        if "AREACLIENTI_BASE_URL" not in os.environ:  # links in emails point where this server listens
            os.environ["AREACLIENTI_BASE_URL"] = f"http://{host or '127.0.0.1'}:{port or 5000}"
    command.append("areaclienti.entrypoints.wsgi:app")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, command)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run the rq worker that delivers the outbox (SMS, emails, background steps) and, beside it, the
    periodic jobs (the outbox relay). Survives Redis and PostgreSQL outages. Needs AREACLIENTI_REDIS_URL."""
    from .worker import wait_for_database, work

    settings, container = _container()
    if not settings.redis_url:
        raise click.UsageError("AREACLIENTI_REDIS_URL is not set: without Redis, tasks run in-process.")
    wait_for_database(lambda: prepare_database(container))
    work(container, burst=burst)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply the Alembic migrations up to the newest."""
    _, container = _container()
    prepare_database(container)
    click.echo("Database up to date.")


@main.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
def demo_load() -> None:
    """Load the demo accounts of the demo core system and, in development, the demo operator (idempotent)."""
    settings, container = _container()
    prepare_database(container)
    click.echo(f"{load_demo(container)} demo accounts added.")
    if settings.development:
        click.echo(demo_operator_line(settings.base_url))
    else:
        click.echo("Nessun operatore demo fuori dallo sviluppo: crea gli operatori con «areaclienti operator create».")


@main.group()
def core() -> None:
    """The demo core system as a process of its own, reached over HTTP (AREACLIENTI_CORE_URL)."""


@core.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5100, show_default=True, type=int)
def core_serve(host: str, port: int) -> None:
    """Serve the demo core system over HTTP; its hand-offs in its own database (AREACLIENTI_CORE_DATABASE_URL,
    by default democore.db in the data folder). Point the site at it with AREACLIENTI_CORE_URL."""
    from werkzeug.serving import run_simple

    from .core_server import build_core, create_core_app

    settings = Settings.from_env()
    app = create_core_app(build_core(settings))
    click.echo(f"Demo core system on http://{host}:{port}/ (database: {_hide_password(settings.core_database_url)}); "
               f"start the site with AREACLIENTI_CORE_URL=http://{host}:{port}")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@core.command("generate")
@click.option("--customers", required=True, type=click.IntRange(min=0), help="Generated customers, besides the demo's.")
@click.option("--database-url", default=None,
              help="The core's own database (default: AREACLIENTI_CORE_DATABASE_URL, democore.db in the data folder).")
@click.option("--seed", default=14, show_default=True, type=int, help="The same seed gives the same customers.")
@click.option("--replace", is_flag=True, help="Replace the customers and policies the database already holds.")
def core_generate(customers: int, database_url: str | None, seed: int, replace: bool) -> None:
    """Write the demo scenarios and N realistic customers with 1–5 policies each into the core's own
    database, dates relative to today (read moved to the day the core serves). Leaves alone a database
    that already holds them, unless --replace."""
    from areaclienti.adapters.clock import SystemClock
    from areaclienti.adapters.demo_core.generator import write_dataset
    from areaclienti.adapters.sqlalchemy.database import make_engine
    from areaclienti.app.calendar import italian_day

    settings = Settings.from_env()
    url = database_url or settings.core_database_url
    written = write_dataset(make_engine(url), customers=customers, seed=seed, replace=replace,
                            today=italian_day(SystemClock().now()))
    if not written.written:
        click.echo(f"{_hide_password(url)} holds already {written.dataset.customers} generated customers "
                   f"(written on {written.dataset.generated_on:%d/%m/%Y}, seed {written.dataset.seed}): "
                   "left alone; --replace to write them again.")
        return
    click.echo(f"{written.parties} parties and {written.policies} policies written in {written.seconds:.1f} s "
               f"to {_hide_password(url)}.")


@core.command("accounts")
@click.option("--customers", required=True, type=click.IntRange(min=1),
              help="Accounts for the first N generated customers.")
@click.option("--core-database-url", default=None, help="The core's own database, as for «core generate».")
@click.option("--consultative", is_flag=True, help="Not identified (no identity document on file).")
def core_accounts(customers: int, core_database_url: str | None, consultative: bool) -> None:
    """Put accounts for the generated customers straight into the site's database (for a benchmark: not
    registered one by one), all with the demo password, hashed once."""
    from areaclienti.adapters.demo_core.data import DEMO_PASSWORD
    from areaclienti.adapters.demo_core.generator import customer_accounts, load_accounts
    from areaclienti.adapters.sqlalchemy.database import make_engine

    settings, container = _container()
    prepare_database(container)
    found = customer_accounts(make_engine(core_database_url or settings.core_database_url), customers)
    if not found:
        _fail("the core's database holds no generated customers: run «areaclienti core generate» first.")
    added = load_accounts(container.engine(), found, container.password_hasher().hash(DEMO_PASSWORD),
                          now=container.clock().now(), identified=not consultative)
    click.echo(f"{added} accounts added ({len(found) - added} already there); sign in as {found[0].email} "
               f"… {found[-1].email} with the password {DEMO_PASSWORD}.")


@main.group()
def outbox() -> None:
    """The outbox: SMS, emails and background steps waiting, delivered or given up."""


@outbox.command("relay")
def outbox_relay() -> None:
    """Hand the queue every item due now (the worker does this by itself every few seconds)."""
    _, container = _container()
    click.echo(f"{container.task_runner().relay()} items handed to the queue.")


@outbox.command("status")
def outbox_status() -> None:
    """How many items are waiting, delivered and dead."""
    _, container = _container()
    for status, count in container.task_runner().counts().items():
        click.echo(f"{status.value}\t{count}")


@outbox.command("dead")
@click.option("--limit", default=100, show_default=True)
def outbox_dead(limit: int) -> None:
    """List the items given up after their last attempt, newest first (no payload is shown)."""
    _, container = _container()
    items = container.task_runner().dead(limit=limit)
    if not items:
        click.echo("Nessun elemento abbandonato.")
        return
    for item in items:
        click.echo(f"{item.id}\t{item.kind.value}\t{item.created_at.isoformat()}\t"
                   f"{item.attempts} tentativi\t{item.last_error or ''}")


@outbox.command("retry")
@click.argument("item_id")
def outbox_retry(item_id: str) -> None:
    """Give a dead item a new round of attempts."""
    _, container = _container()
    if not container.task_runner().revive(item_id):
        _fail(f"nessun elemento abbandonato con id {item_id}.")
    click.echo(f"{item_id}: di nuovo in coda, con nuovi tentativi.")


@main.group()
def sessions() -> None:
    """Server-side sessions of the site, the back-office and the API."""


@sessions.command("purge")
def sessions_purge() -> None:
    """Delete the expired sessions (the worker does this by itself every few minutes)."""
    _, container = _container()
    prepare_database(container)
    click.echo(f"{container.session_purge()()} sessioni scadute eliminate.")


# --- back-office operators (R-ID-4) ---------------------------------------------------------------
def _fail(message: str) -> NoReturn:
    click.echo(f"Errore: {message}", err=True)
    sys.exit(1)


def _operator_error(error: Exception) -> str:
    from areaclienti.domain.errors import InvalidCredentials

    from .web.errors import message_for

    if isinstance(error, InvalidCredentials):
        return "non esiste un operatore con questa email."
    message = message_for(error)  # type: ignore[arg-type]
    return message[:1].lower() + message[1:]


@main.group()
def operator() -> None:
    """Back-office operators: create, list, reset the second factor."""


@operator.command("create")
@click.option("--email", required=True, help="The operator's email, used to sign in.")
@click.option("--name", "display_name", required=True, help="The name shown in the back-office and the audit.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input instead of asking (for scripts).")
def operator_create(email: str, display_name: str, password_stdin: bool) -> None:
    """Create an operator; the second factor (TOTP) is enrolled at the first login."""
    from areaclienti.domain.errors import DomainError

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password dell'operatore", hide_input=True,
                                confirmation_prompt="Ripeti la password")
    settings, container = _container()
    prepare_database(container)
    try:
        created = container.operator_access().create(email=email, display_name=display_name, password=password)
    except DomainError as error:
        _fail(_operator_error(error))
    click.echo(f"Operatore creato: {created.display_name} <{created.email}>.")
    click.echo(f"Il secondo fattore si attiva al primo accesso, su {settings.base_url}/backoffice/accesso: "
               "dopo la password appare un QR code da inquadrare con un'app di autenticazione.")


@operator.command("reset-totp")
@click.option("--email", required=True)
def operator_reset_totp(email: str) -> None:
    """Forget an operator's second factor (a lost phone): the next login enrols a new one."""
    from areaclienti.domain.errors import DomainError

    settings, container = _container()
    prepare_database(container)
    try:
        found = container.operator_access().reset_second_factor(email)
    except DomainError as error:
        _fail(_operator_error(error))
    click.echo(f"Secondo fattore azzerato per {found.email}: al prossimo accesso, su "
               f"{settings.base_url}/backoffice/accesso, l'operatore inquadrerà un nuovo QR code.")


@operator.command("list")
def operator_list() -> None:
    """List the operators, with the state of their second factor."""
    _, container = _container()
    prepare_database(container)
    operators = container.operator_access().list()
    if not operators:
        click.echo("Nessun operatore: creane uno con «areaclienti operator create».")
        return
    for o in sorted(operators, key=lambda o: o.email):
        factor = "secondo fattore attivo" if o.enrolled else "secondo fattore da attivare al primo accesso"
        state = "attivo" if o.active else "disattivato"
        click.echo(f"{o.email}\t{o.display_name}\t{factor}\t{state}")
