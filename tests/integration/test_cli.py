"""The `areaclienti` command on the embedded default (SQLite file in a data folder)."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from areaclienti.entrypoints.cli import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("AREACLIENTI_ENV", "development")
    monkeypatch.setenv("AREACLIENTI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("AREACLIENTI_DATABASE_URL", raising=False)
    monkeypatch.delenv("AREACLIENTI_REDIS_URL", raising=False)
    return tmp_path


def test_db_upgrade_creates_the_schema_and_demo_load_is_idempotent(env):
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    tables = {row[0] for row in sqlite3.connect(env / "areaclienti.db").execute(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"accounts", "otp_challenges", "email_links", "outbox_items", "web_sessions",
            "audit_events", "alembic_version", "policy_requests", "request_events", "democore_handoffs",
            "demopay_sessions"} <= tables

    first = runner.invoke(main, ["demo", "load"])
    second = runner.invoke(main, ["demo", "load"])
    assert first.exit_code == second.exit_code == 0
    assert "5 demo accounts added" in first.output and "0 demo accounts added" in second.output
    statuses = sorted(row[0] for row in sqlite3.connect(env / "areaclienti.db").execute(
        "SELECT status FROM accounts"))
    assert statuses == ["consultative"] * 3 + ["legacy_pending"] * 2


def test_the_worker_needs_redis(env):
    result = CliRunner().invoke(main, ["worker", "--burst"])
    assert result.exit_code == 2
    assert "AREACLIENTI_REDIS_URL" in result.output


def test_production_refuses_to_start_on_development_fallbacks(env, monkeypatch):
    monkeypatch.setenv("AREACLIENTI_ENV", "production")
    monkeypatch.delenv("AREACLIENTI_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0
    said = str(result.exception) + result.output
    for name in ("AREACLIENTI_SECRET_KEY", "AREACLIENTI_REDIS_URL", "AREACLIENTI_SMTP_HOST", "AREACLIENTI_SMS_BACKEND"):
        assert name in said


def test_production_starts_when_everything_is_said(env, monkeypatch):
    for name, value in {"ENV": "production", "SECRET_KEY": "k" * 32, "REDIS_URL": "redis://127.0.0.1:6379/15",
                        "SMTP_HOST": "127.0.0.1", "SMS_BACKEND": "dev_outbox"}.items():
        monkeypatch.setenv(f"AREACLIENTI_{name}", value)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output


# --- back-office operators (R-ID-4) ---------------------------------------------------------------
OPERATOR_PASSWORD = "verifica identità con cura 2026"


def _invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_operator_create_asks_the_password_twice_and_lists_the_operator(env):
    result = _invoke("operator", "create", "--email", "Mario.Rossi@CA-Assicurazioni.example", "--name", "Mario Rossi",
                     input=f"{OPERATOR_PASSWORD}\n{OPERATOR_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert OPERATOR_PASSWORD not in result.output  # hidden input
    assert "Operatore creato: Mario Rossi <mario.rossi@ca-assicurazioni.example>" in result.output
    assert "http://127.0.0.1:5000/backoffice/accesso" in result.output  # the second factor at the first login

    listed = _invoke("operator", "list")
    assert listed.exit_code == 0
    assert "mario.rossi@ca-assicurazioni.example\tMario Rossi\tsecondo fattore da attivare" in listed.output
    row = sqlite3.connect(env / "areaclienti.db").execute("SELECT password_hash FROM operators").fetchone()
    assert row[0].startswith("$argon2id$")


def test_operator_create_reads_the_password_from_stdin_for_scripts(env):
    result = _invoke("operator", "create", "--email", "script@ca.example", "--name", "Da script",
                     "--password-stdin", input=OPERATOR_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output  # no prompt


@pytest.mark.parametrize("email, password, said", [
    ("non-una-email", OPERATOR_PASSWORD, "email non è valido"),
    ("corta@ca.example", "breve", "almeno 12 caratteri"),
    ("comune@ca.example", "password1234", "tra le più usate"),
])
def test_operator_create_refuses_bad_input_in_italian(env, email, password, said):
    result = _invoke("operator", "create", "--email", email, "--name", "X", "--password-stdin", input=password + "\n")
    assert result.exit_code == 1
    assert "Errore:" in result.output and said in result.output


def test_operator_create_refuses_a_second_operator_with_the_same_email(env):
    args = ("operator", "create", "--email", "doppio@ca.example", "--name", "Doppio", "--password-stdin")
    assert _invoke(*args, input=OPERATOR_PASSWORD + "\n").exit_code == 0
    again = _invoke(*args, input=OPERATOR_PASSWORD + "\n")
    assert again.exit_code == 1 and "esiste già un operatore con questa email" in again.output


def test_operator_reset_totp(env):
    _invoke("operator", "create", "--email", "telefono@ca.example", "--name", "Telefono perso", "--password-stdin",
            input=OPERATOR_PASSWORD + "\n")
    with sqlite3.connect(env / "areaclienti.db") as db:  # as if enrolled
        db.execute("UPDATE operators SET totp_secret = 'JBSWY3DPEHPK3PXP', totp_enrolled_at = '2026-01-01 10:00:00'")
    assert "secondo fattore attivo" in _invoke("operator", "list").output

    result = _invoke("operator", "reset-totp", "--email", "telefono@ca.example")
    assert result.exit_code == 0, result.output
    assert "Secondo fattore azzerato per telefono@ca.example" in result.output
    assert "secondo fattore da attivare" in _invoke("operator", "list").output
    unknown = _invoke("operator", "reset-totp", "--email", "nessuno@ca.example")
    assert unknown.exit_code == 1 and "non esiste un operatore con questa email" in unknown.output


def test_operator_list_without_operators(env):
    result = _invoke("operator", "list")
    assert result.exit_code == 0 and "Nessun operatore" in result.output


def test_demo_load_adds_the_demo_operator_not_enrolled(env):
    from areaclienti.entrypoints.demo import DEMO_OPERATOR_EMAIL, DEMO_OPERATOR_PASSWORD

    first = _invoke("demo", "load")
    assert first.exit_code == 0, first.output
    assert DEMO_OPERATOR_EMAIL in first.output and DEMO_OPERATOR_PASSWORD in first.output
    assert _invoke("demo", "load").exit_code == 0  # idempotent
    listed = _invoke("operator", "list").output.splitlines()
    assert listed == [f"{DEMO_OPERATOR_EMAIL}\tOperatore Demo\tsecondo fattore da attivare al primo accesso\tattivo"]


def test_demo_load_adds_no_demo_operator_outside_development(env, monkeypatch):
    for name, value in {"ENV": "production", "SECRET_KEY": "k" * 32, "REDIS_URL": "redis://127.0.0.1:6379/15",
                        "SMTP_HOST": "127.0.0.1", "SMS_BACKEND": "dev_outbox"}.items():
        monkeypatch.setenv(f"AREACLIENTI_{name}", value)
    result = _invoke("demo", "load")
    assert result.exit_code == 0, result.output
    assert "Nessun operatore demo" in result.output
    assert "Nessun operatore" in _invoke("operator", "list").output


def test_outbox_status_lists_and_revives_dead_items(env):
    from datetime import datetime, timezone

    from areaclienti.app.ports.repositories import OutboxItem, OutboxKind, OutboxStatus
    from areaclienti.entrypoints.config import Settings
    from areaclienti.entrypoints.container import build_container

    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(main, ["outbox", "dead"]).output.strip() == "Nessun elemento abbandonato."
    container = build_container(Settings.from_env())
    then = datetime(2026, 11, 1, tzinfo=timezone.utc)
    sealed = container.secret_box().seal(b'{"to": "+393471234567", "text": "Codice 12345"}')
    with container.uow() as uow:
        uow.outbox.add(OutboxItem("item-dead", OutboxKind.SMS, sealed, then, then, status=OutboxStatus.DEAD,
                                  attempts=8, last_error="ConnectionError: provider down"))
        uow.commit()

    dead = runner.invoke(main, ["outbox", "dead"])
    assert dead.exit_code == 0
    assert "item-dead\tsms\t" in dead.output and "8 tentativi" in dead.output and "provider down" in dead.output
    assert "12345" not in dead.output  # the payload is never shown
    assert "dead\t1" in runner.invoke(main, ["outbox", "status"]).output

    retried = runner.invoke(main, ["outbox", "retry", "item-dead"])
    assert retried.exit_code == 0, retried.output
    again = runner.invoke(main, ["outbox", "retry", "item-dead"])
    assert again.exit_code == 1 and "nessun elemento abbandonato" in again.output
    relayed = runner.invoke(main, ["outbox", "relay"])  # no Redis: delivered in-process
    assert relayed.output.strip() == "1 items handed to the queue."
    status = runner.invoke(main, ["outbox", "status"]).output
    assert "done\t1" in status and "dead\t0" in status
    assert "Codice 12345" in (env / "dev-outbox.jsonl").read_text()
