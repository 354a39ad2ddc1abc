"""Files a customer sends with a request: any number per owner, each with what it is (a photo, a report…)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .identification import StoredFile


@dataclass(frozen=True)
class Attachment:
    id: str
    account_id: str
    document: str  # what the file is, e.g. a claims.DocumentKind value
    file: StoredFile
    name: str  # the name the customer's device gave: shown, never used to store or type the file
    added_at: datetime
    request_id: str | None = None  # None while staged: picked and uploaded, the request not sent yet
    batch: str | None = None  # the hand-off that carries it: the request itself, or one «integra documenti»
    policy_number: str | None = None  # the policy whose form staged it: it shows there, and nowhere else
