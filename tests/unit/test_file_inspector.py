"""Files that cannot run: the Pillow/pypdf inspector, and the upload pipeline any journey can reuse."""
from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops, ImageOps

from areaclienti.adapters.memory.storage import InMemoryStorage
from areaclienti.adapters.security import file_inspector
from areaclienti.adapters.security.file_inspector import PillowPypdfInspector
from areaclienti.adapters.security.sniffer import FiletypeSniffer
from areaclienti.app.uploads import Upload, UploadPipeline, UploadRule
from areaclienti.domain.errors import (
    FileActiveContent,
    FileEmpty,
    FileTooLarge,
    FileTooManyPixels,
    FileTypeNotAllowed,
    FileUnreadable,
)

from tests.sample_files import (
    BACK_SIZE,
    FRONT_SIZE,
    HOSTILE_PDFS,
    NOT_A_PDF,
    PAYLOAD_HTML,
    PAYLOAD_JS,
    PAYLOAD_ZIP,
    clean_pdf,
    escaped_name_pdf,
    image_bytes,
    jpeg_with_gps,
    orphan_script_pdf,
    picture,
    png_header_only,
    polyglot,
    raw_pdf,
)

PDF = "application/pdf"


@pytest.fixture(scope="module")
def inspector():
    return PillowPypdfInspector()


def cleaned(inspector, content_type: str, data: bytes) -> bytes:
    return inspector.clean(content_type, io.BytesIO(data)).read()


# --- PDFs ----------------------------------------------------------------------------------------------
# What each hostile sample is refused for (the most telling finding: a script before the action running it).
WHY = {
    "open_action_javascript": "javascript",
    "document_additional_actions": "javascript",
    "page_additional_actions": "javascript",
    "names_javascript": "javascript",
    "annotation_javascript": "javascript",
    "annotation_launch": "launch",
    "open_action_launch": "launch",
    "xfa_form": "xfa",
    "embedded_files": "embedded_file",
    "file_attachment_annotation": "embedded_file",
    "encrypted": "encrypted",
}


def test_every_hostile_sample_has_its_expected_refusal():
    assert set(WHY) == set(HOSTILE_PDFS)


@pytest.mark.parametrize("kind", sorted(HOSTILE_PDFS))
def test_a_pdf_with_active_content_is_refused(inspector, kind):
    with pytest.raises(FileActiveContent) as refused:
        inspector.clean(PDF, io.BytesIO(HOSTILE_PDFS[kind]()))
    assert refused.value.params == {"why": WHY[kind]}


@pytest.mark.parametrize("kind", sorted(set(HOSTILE_PDFS) - {"encrypted"}))
def test_the_object_walk_alone_finds_each_kind(inspector, kind, monkeypatch):
    """Without the raw-bytes scan (a name hidden in a compressed object stream would escape it)."""
    monkeypatch.setattr(file_inspector, "_raw_active_name", lambda raw: None)
    with pytest.raises(FileActiveContent) as refused:
        inspector.clean(PDF, io.BytesIO(HOSTILE_PDFS[kind]()))
    assert refused.value.params == {"why": WHY[kind]}


@pytest.mark.parametrize("key", ["/AA", "/OpenAction"])
def test_actions_that_run_no_script_are_refused_too(inspector, key):
    """An automatic action of any kind but showing a page (here: opening a web address)."""
    action = b"<< /S /URI /URI (https://example.invalid/) >>"
    pdf = raw_pdf([b"<< /Type /Catalog /Pages 2 0 R " + key.encode() + b" 4 0 R >>",
                   b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
                   action if key == "/OpenAction" else b"<< /WC " + action + b" >>"])
    with pytest.raises(FileActiveContent) as refused:
        inspector.clean(PDF, io.BytesIO(pdf))
    assert refused.value.params == {"why": "actions"}


def test_names_written_with_escapes_are_read_as_names(inspector):
    with pytest.raises(FileActiveContent):
        inspector.clean(PDF, io.BytesIO(escaped_name_pdf()))
    assert file_inspector._raw_active_name(escaped_name_pdf()) == "javascript"  # /Java#53cript


def test_a_script_outside_the_cross_reference_table_is_found_in_the_raw_bytes(inspector):
    with pytest.raises(FileActiveContent) as refused:
        inspector.clean(PDF, io.BytesIO(orphan_script_pdf()))
    assert refused.value.params["why"] == "javascript"


def test_a_plain_pdf_with_a_link_and_an_opening_page_is_kept_as_sent(inspector):
    pdf = clean_pdf()
    assert cleaned(inspector, PDF, pdf) == pdf


@pytest.mark.parametrize("data", [NOT_A_PDF, clean_pdf()[:200], b"%PDF-1.7\n" + image_bytes("PNG", BACK_SIZE)],
                         ids=["magic_only", "cut_short", "png_inside"])
def test_a_pdf_that_cannot_be_read_is_refused(inspector, data):
    with pytest.raises(FileUnreadable):
        inspector.clean(PDF, io.BytesIO(data))


# --- images ----------------------------------------------------------------------------------------------
def test_a_jpeg_loses_its_exif_and_gps_position_and_keeps_its_size(inspector):
    original = jpeg_with_gps()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(0x8825)  # the sample really carries a GPS position
    kept = cleaned(inspector, "image/jpeg", original)
    with Image.open(io.BytesIO(kept)) as after:
        assert after.format == "JPEG" and after.size == FRONT_SIZE
        assert not after.getexif() and "exif" not in after.info
    assert b"Exif" not in kept and b"Telefono Prova" not in kept


def test_a_jpeg_is_turned_upright_before_its_exif_is_dropped(inspector):
    original = jpeg_with_gps(orientation=6)  # taken with the phone on its side: shown turned 90° clockwise
    kept = cleaned(inspector, "image/jpeg", original)
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(kept)) as after:
        upright = ImageOps.exif_transpose(before)
        assert after.size == (FRONT_SIZE[1], FRONT_SIZE[0]) == upright.size
        difference = ImageChops.difference(after.convert("RGB"), upright.convert("RGB"))
        assert max(band_max for _, band_max in difference.getextrema()) < 64  # JPEG loss, not a rotation


def test_a_png_polyglot_loses_what_was_appended_and_keeps_every_pixel(inspector):
    original = image_bytes("PNG", BACK_SIZE)
    kept = cleaned(inspector, "image/png", polyglot(original))
    for payload in (PAYLOAD_ZIP, PAYLOAD_HTML, PAYLOAD_JS, b"<script", b"PK\x03\x04"):
        assert payload not in kept
    assert kept.endswith(b"IEND\xaeB`\x82")
    with Image.open(io.BytesIO(kept)) as after, Image.open(io.BytesIO(original)) as before:
        assert after.size == BACK_SIZE and after.tobytes() == before.convert(after.mode).tobytes()


def test_a_jpeg_polyglot_loses_what_was_appended(inspector):
    kept = cleaned(inspector, "image/jpeg", polyglot(image_bytes("JPEG", FRONT_SIZE)))
    assert b"<script" not in kept and b"PK\x03\x04" not in kept and kept.endswith(b"\xff\xd9")
    assert picture(kept) == ("JPEG", FRONT_SIZE)


@pytest.mark.parametrize("side", [10_000, 20_000])  # 100 Mpx: Pillow only warns; 400 Mpx: Pillow refuses itself
def test_a_decompression_bomb_is_refused_before_it_is_decoded(inspector, side):
    with pytest.raises(FileTooManyPixels) as refused:
        inspector.clean("image/png", io.BytesIO(png_header_only(side, side)))
    assert refused.value.params == {"max_megapixels": 50}


def test_the_pixel_limit_is_the_inspectors():
    small = PillowPypdfInspector(max_pixels=FRONT_SIZE[0] * FRONT_SIZE[1] - 1)
    with pytest.raises(FileTooManyPixels):
        small.clean("image/jpeg", io.BytesIO(image_bytes("JPEG", FRONT_SIZE)))
    assert picture(cleaned(small, "image/png", image_bytes("PNG", BACK_SIZE))) == ("PNG", BACK_SIZE)


@pytest.mark.parametrize("content_type, data", [
    ("image/jpeg", image_bytes("JPEG", FRONT_SIZE)[:300]),  # cut short
    ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 512),  # only the magic bytes
    ("image/png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\0" * 512),
    ("image/png", image_bytes("JPEG", FRONT_SIZE)),  # another format than the one its head claimed
], ids=["jpeg_cut_short", "jpeg_magic_only", "png_magic_only", "jpeg_as_png"])
def test_an_image_that_cannot_be_decoded_is_refused(inspector, content_type, data):
    with pytest.raises(FileUnreadable):
        inspector.clean(content_type, io.BytesIO(data))


def test_videos_are_not_inspected(inspector):
    assert not any(inspector.inspects(t) for t in ("video/webm", "video/mp4", "video/quicktime"))
    assert all(inspector.inspects(t) for t in ("image/jpeg", "image/png", PDF))


# --- the pipeline, as another journey would use it ---------------------------------------------------
CLAIM = UploadRule("claim", frozenset({"image/jpeg", "image/png", PDF}), min_bytes=100, max_bytes=4096)


@pytest.fixture
def pipeline():
    return UploadPipeline(InMemoryStorage(), FiletypeSniffer(), PillowPypdfInspector())


def test_the_pipeline_keeps_the_cleaned_bytes_with_the_type_read_from_the_content(pipeline):
    stored = pipeline.keep(Upload(io.BytesIO(polyglot(image_bytes("PNG", BACK_SIZE))), "foto.jpg"), CLAIM)
    kept = pipeline.storage.files[stored.key]
    assert stored.content_type == "image/png" and stored.key.endswith(".png")
    assert stored.size == len(kept) and PAYLOAD_HTML not in kept


@pytest.mark.parametrize("data, refusal", [
    (HOSTILE_PDFS["open_action_javascript"](), FileActiveContent),
    (NOT_A_PDF, FileUnreadable),
    (png_header_only(10_000, 10_000), FileTooManyPixels),
    (b"GIF89a" + b"\0" * 200, FileTypeNotAllowed),
    (b"", FileEmpty),
    (image_bytes("JPEG", FRONT_SIZE)[:50], FileEmpty),
    (polyglot(image_bytes("PNG", BACK_SIZE)) + b"\0" * 4096, FileTooLarge),
], ids=["active", "unreadable", "bomb", "gif", "empty", "too_small", "too_large"])
def test_the_pipeline_refuses_naming_the_role_and_the_file_and_keeps_nothing(pipeline, data, refusal):
    with pytest.raises(refusal) as refused:
        pipeline.keep(Upload(io.BytesIO(data), "denuncia.pdf"), CLAIM)
    assert refused.value.params["role"] == "claim" and refused.value.params["name"] == "denuncia.pdf"
    assert pipeline.storage.files == {}
