"""A local S3-compatible server for the storage tests: moto's server mode, in a process of its own."""
from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import pytest

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "eu-south-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """The server's address; started once a session, on the first test that asks for it."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"moto's S3 server did not start on port {port}")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@dataclass
class Bucket:
    endpoint: str
    name: str
    client: Any  # a boto3 S3 client on the local server, to look behind the adapter's back

    def leftovers(self) -> tuple[list, list]:
        """The objects, and the multipart uploads begun and neither completed nor aborted."""
        objects = self.client.list_objects_v2(Bucket=self.name).get("Contents", [])
        uploads = self.client.list_multipart_uploads(Bucket=self.name).get("Uploads", [])
        return objects, uploads


@pytest.fixture(scope="session")
def s3_client(s3_endpoint):
    """One client for the session (making a client reads botocore's models: a third of a second)."""
    import boto3

    return boto3.session.Session().client(
        "s3", endpoint_url=s3_endpoint, region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"], aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


@pytest.fixture
def s3_bucket(s3_endpoint, s3_client, monkeypatch) -> Bucket:
    """A new empty bucket on the local server, and the AWS variables boto3 reads its credentials from."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    name = f"areaclienti-{secrets.token_hex(6)}"
    s3_client.create_bucket(Bucket=name,
                            CreateBucketConfiguration={"LocationConstraint": CREDENTIALS["AWS_DEFAULT_REGION"]})
    return Bucket(s3_endpoint, name, s3_client)
