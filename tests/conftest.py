from __future__ import annotations

import pytest

from areaclienti.entrypoints.web.app import create_app

from .support import build_harness, test_settings


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
