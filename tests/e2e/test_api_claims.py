"""The claims API over HTTP where the contract test does not look: files larger than the site's 1 MB per
request up to the upload limit, a body beyond it, and another customer's staged file."""
from __future__ import annotations

import io
import os

from PIL import Image

from areaclienti.adapters.demo_core.data import DEMO_PASSWORD

from ..sample_files import image_bytes

MOTOR = "DA20040117"  # Marco's motor policy
OTHER = "valeria.costa@example.it"  # another demo customer


def _token(client, email: str) -> dict:
    token = client.post("/api/v1/sessions", json={"email": email, "password": DEMO_PASSWORD}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def _upload(client, auth, content: bytes, name: str = "foto.png"):
    return client.post(f"/api/v1/policies/{MOTOR}/claim-files", headers=auth, content_type="multipart/form-data",
                       data={"document": "photo", "file": (io.BytesIO(content), name)})


def test_a_photo_over_one_megabyte_is_staged_and_a_body_over_the_limit_is_refused(client, demo, demo_accounts):
    auth = _token(client, demo.scenario("identified").email)
    picture = Image.frombytes("RGB", (800, 800), os.urandom(800 * 800 * 3))  # noise: no compression
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    large = buffer.getvalue()
    assert len(large) > 1024 * 1024
    staged = _upload(client, auth, large, "danno.png")
    assert staged.status_code == 201, staged.json
    assert staged.json["name"] == "danno.png" and staged.json["content_type"] == "image/png"
    too_large = _upload(client, auth, large + b"\0" * (10 * 1024 * 1024))
    assert too_large.status_code == 413 and too_large.json["code"] == "request_entity_too_large", too_large.json
    form = client.get(f"/api/v1/policies/{MOTOR}/claim-form", headers=auth).json
    assert [f["id"] for f in form["staged"]] == [staged.json["id"]]


def test_another_customer_cannot_remove_a_staged_file(client, demo, demo_accounts):
    marco = _token(client, demo.scenario("identified").email)
    staged = _upload(client, marco, image_bytes("JPEG", (64, 48), seed=1), "foto.jpg").json
    refused = client.delete(f"/api/v1/claim-files/{staged['id']}", headers=_token(client, OTHER))
    assert refused.status_code == 404 and refused.json["code"] == "not_found"
    assert client.delete(f"/api/v1/claim-files/{staged['id']}", headers=marco).status_code == 204
