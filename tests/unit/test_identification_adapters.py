"""The adapters identification needs: file types read from content, the operators' TOTP codes."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest

from areaclienti.adapters.security.sniffer import FiletypeSniffer
from areaclienti.adapters.security.totp import PyotpAuthenticator
from areaclienti.domain.identification import FileRole, UploadLimits

from tests.unit.app.identification_journeys import JPEG, PDF, PNG, WEBM

NOW = datetime(2026, 11, 25, 9, 0, 10, tzinfo=timezone.utc)  # 10 s into a 30 s step
STEP = timedelta(seconds=30)
FIXED_SECRET, OTHER_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\0" * 64
MP4_ISOM = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\0" * 64
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\0" * 64
MATROSKA = (b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\xf2\x81\x04B\xf3\x81\x08B\x82\x88matroska"
            b"B\x87\x81\x04" + b"\0" * 64)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\0" * 64
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\0" * 64
TEXT = "Questo è un documento d'identità, giuro.\n".encode() * 20
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 64


@pytest.fixture(scope="module")
def sniffer():
    return FiletypeSniffer()


@pytest.fixture(scope="module")
def totp():
    return PyotpAuthenticator()


# --- FiletypeSniffer ---------------------------------------------------------------------------------
@pytest.mark.parametrize("head, mime", [
    (WEBM, "video/webm"),
    (MATROSKA, "video/webm"),  # what some MediaRecorder builds write for the same codecs
    (MP4, "video/mp4"),
    (MP4_ISOM, "video/mp4"),
    (MOV, "video/quicktime"),
    (JPEG, "image/jpeg"),
    (PNG, "image/png"),
    (PDF, "application/pdf"),
])
def test_the_sniffer_reads_the_type_from_the_magic_bytes(sniffer, head, mime):
    assert sniffer.mime_type(head) == mime


@pytest.mark.parametrize("head", [TEXT, HTML, SVG, b"", b"\0" * 100])
def test_the_sniffer_knows_nothing_of_text_or_unknown_bytes(sniffer, head):
    assert sniffer.mime_type(head) is None


@pytest.mark.parametrize("head", [GIF, ZIP, EXE, TEXT, HTML, SVG])
@pytest.mark.parametrize("role", FileRole)
def test_files_of_other_kinds_are_not_allowed_for_any_role(sniffer, head, role):
    assert sniffer.mime_type(head) not in UploadLimits().allowed_types(role)


@pytest.mark.parametrize("head", [JPEG, PNG, PDF])
def test_an_image_or_a_pdf_is_no_video(sniffer, head):
    assert sniffer.mime_type(head) not in UploadLimits().allowed_types(FileRole.VIDEO)


@pytest.mark.parametrize("head", [WEBM, MP4, MOV])
def test_a_video_is_no_document(sniffer, head):
    assert sniffer.mime_type(head) not in UploadLimits().allowed_types(FileRole.DOCUMENT)


def test_the_sniffer_needs_only_the_first_bytes(sniffer):
    assert sniffer.mime_type(JPEG[: sniffer.HEAD_BYTES]) == "image/jpeg"
    assert sniffer.HEAD_BYTES >= 262  # what filetype reads at most


# --- PyotpAuthenticator ------------------------------------------------------------------------------
def _code(secret: str, at: datetime) -> str:
    return pyotp.TOTP(secret).at(at)


def _step(at: datetime) -> int:
    return int(at.timestamp() // 30)


def test_a_new_secret_is_160_random_bits_in_base32(totp):
    secrets = {totp.new_secret() for _ in range(20)}
    assert len(secrets) == 20
    for secret in secrets:
        assert len(base64.b32decode(secret)) == 20


def test_the_current_code_matches_the_current_step(totp):
    secret = totp.new_secret()
    assert totp.matching_step(secret, _code(secret, NOW), NOW) == _step(NOW)


@pytest.mark.parametrize("offset", [-1, 1])
def test_the_code_of_an_adjacent_step_matches_that_step(totp, offset):
    secret = totp.new_secret()
    assert totp.matching_step(secret, _code(secret, NOW + offset * STEP), NOW) == _step(NOW) + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_the_code_of_a_step_further_away_matches_nothing(totp, offset):
    code = _code(FIXED_SECRET, NOW + offset * STEP)
    assert code not in {_code(FIXED_SECRET, NOW + k * STEP) for k in (-1, 0, 1)}  # fixed data: no chance match
    assert totp.matching_step(FIXED_SECRET, code, NOW) is None


def test_a_code_made_from_another_secret_matches_nothing(totp):
    code = _code(OTHER_SECRET, NOW)
    assert code not in {_code(FIXED_SECRET, NOW + k * STEP) for k in (-1, 0, 1)}
    assert totp.matching_step(FIXED_SECRET, code, NOW) is None


def test_spaces_in_the_typed_code_are_ignored(totp):
    secret = totp.new_secret()
    code = _code(secret, NOW)
    assert totp.matching_step(secret, f" {code[:3]} {code[3:]} ", NOW) == _step(NOW)


@pytest.mark.parametrize("typed", [
    "", "   ", "abcdef", "12345a", "12-345", None,
    "١٢٣٤٥٦",  # Arabic-Indic digits: str.isdigit() says yes
    "１２３４５６",  # full-width digits
    "²³⁴⁵⁶⁷",  # superscripts, digits too for str.isdigit()
])
def test_anything_but_ascii_digits_matches_nothing_and_raises_nothing(totp, typed):
    assert totp.matching_step(totp.new_secret(), typed, NOW) is None


def test_a_code_of_the_wrong_length_matches_nothing(totp):
    secret = totp.new_secret()
    code = _code(secret, NOW)
    assert totp.matching_step(secret, code[:5], NOW) is None
    assert totp.matching_step(secret, code + "0", NOW) is None


def test_the_provisioning_uri_is_an_otpauth_uri_with_the_issuer_and_the_secret(totp):
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, account_name="operatore@example.it", issuer="Area Clienti back-office")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path) == "/Area Clienti back-office:operatore@example.it"
    query = parse_qs(parts.query)
    assert query["secret"] == [secret]
    assert query["issuer"] == ["Area Clienti back-office"]


def test_the_provisioning_uri_gives_codes_the_authenticator_matches(totp):
    secret = totp.new_secret()
    app = pyotp.parse_uri(totp.provisioning_uri(secret, account_name="op@example.it", issuer="X"))
    assert totp.matching_step(secret, app.at(NOW), NOW) == _step(NOW)
