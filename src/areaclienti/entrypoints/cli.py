"""The ``areaclienti`` command: serve, worker, db upgrade, demo load, outbox relay."""
from __future__ import annotations

import logging
import os
from dataclasses import replace

import click

from .config import Settings
from .container import Container, build_container


def _container() -> tuple[Settings, Container]:
    settings = Settings.from_env()
    return settings, build_container(settings)


def prepare_database(container: Container) -> None:
    from areaclienti.adapters.sqlalchemy.database import upgrade

    upgrade(container.engine())


def load_demo(container: Container) -> int:
    """Add the demo accounts (old-area customers, one already registered) where missing."""
    from areaclienti.adapters.demo_core.seed import seed_accounts

    secrets = container.secrets()
    return seed_accounts(
        container.uow(), data=container.core_system().data, password_hasher=container.password_hasher(),
        new_id=secrets.new_id, now=container.clock().now(),
    )


@click.group()
def main() -> None:
    """Area Clienti: the customer area of CA Vita and CA Assicurazioni."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the site: migrate the database first and, in development, load the demo data."""
    from werkzeug.serving import run_simple

    from .web.app import create_app

    settings = Settings.from_env()
    if "AREACLIENTI_BASE_URL" not in os.environ:  # links in emails point where this server listens
        settings = replace(settings, base_url=f"http://{host}:{port}")
    container = build_container(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    prepare_database(container)
    if settings.development:
        added = load_demo(container)
        click.echo(f"Demo data ready ({added} demo accounts added). Demo customers: "
                   f"http://{host}:{port}/_dev/demo-customers · outbox: http://{host}:{port}/_dev/outbox")
    container.task_runner().relay_outbox(older_than_seconds=0)
    app = create_app(settings, container)
    click.echo(f"Area Clienti on http://{host}:{port}/ ({settings.env}, queue: {settings.queue_backend}, "
               f"database: {container.engine().url.render_as_string(hide_password=True)})")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run the rq worker that sends SMS and emails (needs AREACLIENTI_REDIS_URL)."""
    from rq import Worker

    settings, container = _container()
    if not settings.redis_url:
        raise click.UsageError("AREACLIENTI_REDIS_URL is not set: without Redis, tasks run in-process.")
    prepare_database(container)
    relayed = container.task_runner().relay_outbox()
    click.echo(f"{relayed} pending messages handed to the queue again")
    Worker([settings.queue_name], connection=container.redis()).work(burst=burst)


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
    """Load the demo accounts of the demo core system (idempotent)."""
    _, container = _container()
    prepare_database(container)
    click.echo(f"{load_demo(container)} demo accounts added.")


@main.group()
def outbox() -> None:
    """SMS and email outbox."""


@outbox.command("relay")
@click.option("--older-than", default=60, show_default=True, help="Seconds a message waited.")
def outbox_relay(older_than: int) -> None:
    """Hand unsent messages to the queue again (run it from cron, or after Redis was down)."""
    _, container = _container()
    click.echo(f"{container.task_runner().relay_outbox(older_than_seconds=older_than)} messages relayed.")
