from __future__ import annotations

import pytest

from areaclienti.adapters.demo_core.seed import seed_accounts


@pytest.fixture
def seeded(harness, demo):
    """The demo accounts: the old-area customers (legacy, legacy_wrong_data) and the finished registrations
    (one identified, one whose document expired)."""
    added = seed_accounts(
        harness.container.uow(),
        data=demo,
        password_hasher=harness.container.password_hasher(),
        new_id=harness.container.secrets().new_id,
        now=harness.clock.now(),
    )
    assert added == 5
    return demo
