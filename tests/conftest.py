from __future__ import annotations

import pytest

from areaclienti.entrypoints.web.app import create_app

from .support import build_harness, test_settings
from .s3_server import s3_bucket, s3_client, s3_endpoint  # noqa: F401  (fixtures: a local S3 server)


@pytest.fixture
def harness(tmp_path):
    return build_harness(test_settings(tmp_path))


@pytest.fixture
def demo(harness):
    return harness.container.core_system().data


@pytest.fixture
def app(harness, tmp_path):
    return create_app(test_settings(tmp_path), harness.container)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_accounts(harness, demo):
    """The demo accounts of the old area and the already registered customer, as `demo load` adds them."""
    from areaclienti.adapters.demo_core.seed import seed_accounts

    c = harness.container
    return seed_accounts(c.uow(), data=demo, password_hasher=c.password_hasher(), new_id=c.secrets().new_id,
                         now=harness.clock.now())
