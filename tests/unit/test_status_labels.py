"""Every request kind and status has a label for the customer and for the operators: a status added to the
life cycle without one breaks the pages that list it (the desk answered 500 on «ritirata» before it had one)."""
from __future__ import annotations

import pytest

from areaclienti.app.messages import REQUEST_KIND_NAMES, REQUEST_STATUS_NAMES
from areaclienti.domain.requests import RequestKind, RequestStatus
from areaclienti.entrypoints.web.backoffice_requests import STATUS_LABELS
from areaclienti.entrypoints.web.labels import REQUEST_KINDS, REQUEST_STATUSES


@pytest.mark.parametrize("labels", [REQUEST_STATUSES, STATUS_LABELS], ids=["customer", "operators"])
def test_every_status_has_a_label_on_the_pages(labels):
    assert set(labels) == set(RequestStatus)


def test_every_status_and_kind_has_its_words_in_the_emails():
    assert set(REQUEST_STATUS_NAMES) == {s.value for s in RequestStatus}
    assert set(REQUEST_KIND_NAMES) == {k.value for k in RequestKind}
    assert set(REQUEST_KINDS) == set(RequestKind)
