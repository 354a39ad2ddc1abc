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
    assert {"accounts", "otp_challenges", "email_links", "outbox_messages", "web_sessions",
            "audit_events", "alembic_version"} <= tables

    first = runner.invoke(main, ["demo", "load"])
    second = runner.invoke(main, ["demo", "load"])
    assert first.exit_code == second.exit_code == 0
    assert "3 demo accounts added" in first.output and "0 demo accounts added" in second.output
    statuses = sorted(row[0] for row in sqlite3.connect(env / "areaclienti.db").execute(
        "SELECT status FROM accounts"))
    assert statuses == ["consultative", "legacy_pending", "legacy_pending"]


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
