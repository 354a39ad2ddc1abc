"""The Italian calendar day of a moment: documents expire, and policies run, on days in Rome."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")


def italian_day(moment: datetime) -> date:
    return moment.astimezone(ROME).date()
