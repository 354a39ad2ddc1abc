"""With the files in an S3-compatible bucket (a local moto server, tests/s3_server.py), a customer's own file
is a redirect to a short-lived link signed for it that forces a download; anyone else's is still 404. An
identity document's image is still streamed by the app (the status page shows it, and its CSP loads images
from the site only). On the disk (the default) the same routes stream every file: test_http_claims.py and
test_http_identification.py."""
from __future__ import annotations

import httpx
import pytest

from areaclienti.adapters.s3.storage import S3Storage
from areaclienti.entrypoints.web.app import create_app

from tests.support import build_harness, test_settings

from ..unit.app.identification_journeys import JPEG, PDF
from .test_http_claims import VALERIA, _photo, _stage, _token
from .test_http_identification import BASE, _give_document, _send_files, _send_video, _sign_in, _start
from .test_http_requests import _log_in


@pytest.fixture
def settings(tmp_path, s3_bucket):
    return test_settings(tmp_path, storage="s3", s3_bucket=s3_bucket.name, s3_endpoint_url=s3_bucket.endpoint,
                         s3_region="eu-south-1")


@pytest.fixture
def harness(settings):
    harness = build_harness(settings)
    harness.container.storage.reset_override()  # the storage the settings choose, not the test's memory
    return harness


@pytest.fixture
def app(harness, settings):
    return create_app(settings, harness.container)


def test_a_customers_claim_file_is_a_redirect_to_a_signed_link_that_downloads_it(app, client, harness,
                                                                               demo_accounts, s3_bucket):
    assert isinstance(harness.container.storage(), S3Storage)
    _log_in(client)
    staged = _stage(client, _token(client), _photo(1))
    assert staged.status_code == 201, staged.get_data(as_text=True)
    download_url = staged.get_json()["download_url"]

    answer = client.get(download_url)
    assert answer.status_code == 303 and answer.headers["Cache-Control"] == "private, no-store"
    link = answer.headers["Location"]
    assert link.startswith(f"{s3_bucket.endpoint}/{s3_bucket.name}/") and "X-Amz-Expires=60" in link

    fetched = httpx.get(link, timeout=5)
    assert fetched.status_code == 200 and fetched.content[:3] == b"\xff\xd8\xff"
    assert fetched.headers["Content-Disposition"].startswith('attachment; filename="photo-')
    assert fetched.headers["Content-Type"] == "image/jpeg"

    other = app.test_client()  # whoever else asks gets no link
    _log_in(other, VALERIA)
    refused = other.get(download_url)
    assert refused.status_code == 404 and "Location" not in refused.headers


def _drafted(app, harness, demo) -> tuple:
    client = app.test_client()
    _sign_in(client, harness, demo)
    attempt_id = _start(client)
    assert _send_video(client, attempt_id).status_code == 200
    assert _give_document(client, attempt_id).status_code == 303
    return client, attempt_id


def test_an_identity_documents_pdf_is_a_redirect_to_a_signed_link_that_downloads_it(app, harness, demo):
    client, attempt_id = _drafted(app, harness, demo)
    assert _send_files(client, attempt_id, front=(PDF, "documento.pdf"), back=None).status_code == 303
    answer = client.get(f"{BASE}/{attempt_id}/allegati/0")
    assert answer.status_code == 303
    fetched = httpx.get(answer.headers["Location"], timeout=5)
    assert fetched.content == PDF
    assert fetched.headers["Content-Disposition"].startswith('attachment; filename="documento-1.pdf"')


def test_an_identity_documents_image_is_streamed_from_the_bucket_for_the_page_to_show(app, harness, demo):
    client, attempt_id = _drafted(app, harness, demo)
    assert _send_files(client, attempt_id, front=(JPEG, "fronte.jpg"), back=None).status_code == 303
    image = client.get(f"{BASE}/{attempt_id}/allegati/0")
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.data[:3] == b"\xff\xd8\xff"
