"""How long a signed-in session lives (SPEC §8): idle timeout and absolute lifetime."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SessionSettings:
    idle_timeout: timedelta = timedelta(minutes=15)
    absolute_lifetime: timedelta = timedelta(hours=8)


def session_is_alive(*, created_at: datetime, last_seen_at: datetime, now: datetime, settings: SessionSettings) -> bool:
    return now - last_seen_at < settings.idle_timeout and now - created_at < settings.absolute_lifetime
