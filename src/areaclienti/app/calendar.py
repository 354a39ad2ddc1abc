"""The Italian calendar day of a moment: documents expire, and policies run, on days in Rome."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")


def italian_day(moment: datetime) -> date:
    return moment.astimezone(ROME).date()


def italian_moment(moment: datetime) -> str:
    """A moment as the messages to customers state it, in Italian time: «25/11/2026 alle 10:00»."""
    return moment.astimezone(ROME).strftime("%d/%m/%Y alle %H:%M")
