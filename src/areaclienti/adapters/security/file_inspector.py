"""What is inside an upload: images decoded and encoded again with Pillow, PDFs read with pypdf and
refused when anything in them could run (SPEC §8: uploads).

An image re-encoded keeps only its pixels (turned upright first, as its EXIF orientation says): EXIF
with its GPS position, comments, colour profiles and whatever was appended after the picture (a ZIP,
HTML, a script: the polyglots) are gone. A PDF is kept as sent, but only when neither its objects
(every one in the cross-reference table, not only those reachable from the catalogue, since viewers
repair files differently) nor its raw bytes show scripts, actions that run or open something, XFA forms,
embedded files or encryption.
"""
from __future__ import annotations

import io
import re
from typing import BinaryIO

from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from areaclienti.app.ports.security import FileInspector
from areaclienti.domain.errors import FileActiveContent, FileRejected, FileTooManyPixels, FileUnreadable

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
_IMAGE_FORMATS = {JPEG: "JPEG", PNG: "PNG"}
_PNG_MODES = frozenset({"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"})
_JPEG_MODES = frozenset({"L", "RGB", "CMYK"})

# Action types that run code, open or fetch another file, or send data somewhere (ISO 32000-2 §12.6.4).
_ACTIVE_ACTIONS = {
    "/JavaScript": "javascript",
    "/Launch": "launch",
    "/SubmitForm": "actions",
    "/ImportData": "actions",
    "/GoToR": "actions",
    "/GoToE": "embedded_file",
    "/Rendition": "actions",
    "/RichMediaExecute": "actions",
}
# Names that appear only in active PDFs, looked for in the raw bytes too: what another parser finds in
# a damaged file may not be what pypdf finds. Short names (/JS, /AA) are left to the object walk, as
# compressed streams would match them by chance.
_RAW_NAMES = {b"JavaScript": "javascript", b"Launch": "launch", b"EmbeddedFile": "embedded_file",
              b"EmbeddedFiles": "embedded_file", b"XFA": "xfa", b"RichMedia": "actions"}
_NAME = re.compile(rb"/([^\x00\t\n\x0c\r /%()<>\[\]{}]{3,40})")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PRIORITY = ("javascript", "launch", "embedded_file", "xfa", "actions")
_MAX_OBJECTS = 200_000  # far beyond a scan of a document; a walk past it is refused, not endless


class PillowPypdfInspector(FileInspector):
    def __init__(self, *, max_pixels: int = 50_000_000, jpeg_quality: int = 90) -> None:
        self.max_pixels = max_pixels  # a 48-megapixel phone photo passes; a decompression bomb does not
        self.jpeg_quality = jpeg_quality

    def inspects(self, content_type: str) -> bool:
        return content_type in _IMAGE_FORMATS or content_type == PDF

    def clean(self, content_type: str, data: BinaryIO) -> BinaryIO:
        if content_type == PDF:
            pdf_refusal(data)
            data.seek(0)
            return data
        if content_type in _IMAGE_FORMATS:
            return io.BytesIO(self._reencode(_IMAGE_FORMATS[content_type], data))
        raise FileUnreadable()

    # --- images -----------------------------------------------------------------------------------
    def _reencode(self, fmt: str, data: BinaryIO) -> bytes:
        try:
            image = Image.open(data, formats=[fmt])
        except Image.DecompressionBombError:
            raise FileTooManyPixels(max_megapixels=self.max_pixels // 1_000_000) from None
        except Exception:
            raise FileUnreadable() from None
        with image:
            if image.width * image.height > self.max_pixels:  # read from the header, before decoding
                raise FileTooManyPixels(max_megapixels=self.max_pixels // 1_000_000)
            try:
                image.load()  # a truncated or corrupt image fails here (LOAD_TRUNCATED_IMAGES stays off)
                upright = ImageOps.exif_transpose(image)
            except Exception:
                raise FileUnreadable() from None
        keep = {}
        if fmt == "PNG" and "transparency" in upright.info:
            keep["transparency"] = upright.info["transparency"]  # part of the picture, not metadata
        upright.info = {}  # Pillow would carry the ICC profile and EXIF of .info into the new file
        if fmt == "JPEG":
            if upright.mode not in _JPEG_MODES:
                upright = upright.convert("RGB")
            keep.update(quality=self.jpeg_quality)
        elif upright.mode not in _PNG_MODES:
            upright = upright.convert("RGBA")
        out = io.BytesIO()
        upright.save(out, format=fmt, **keep)
        return out.getvalue()


# --- PDFs ----------------------------------------------------------------------------------------------
def pdf_refusal(data: BinaryIO) -> None:
    """Raise FileActiveContent (with ``why``) or FileUnreadable for a PDF that must not be kept."""
    raw = data.read()
    found = _raw_active_name(raw)
    try:
        reader = PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            raise FileActiveContent(why="encrypted")
        if len(reader.pages) < 1:
            raise FileUnreadable()
        why = _active_in_objects(reader)
    except FileRejected:
        raise
    except Exception:  # pypdf's errors, and whatever a hostile file provokes in its parser
        raise FileUnreadable() from None
    why = why or found
    if why:
        raise FileActiveContent(why=why)


def _raw_active_name(raw: bytes) -> str | None:
    found = set()
    for match in _NAME.finditer(raw):
        name = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))  # /Java#53cript
        if name in _RAW_NAMES:
            found.add(_RAW_NAMES[name])
    return _most_telling(found)


def _active_in_objects(reader: PdfReader) -> str | None:
    starts: list = [reader.trailer]
    for generation, numbers in reader.xref.items():
        starts.extend(IndirectObject(number, generation, reader) for number in numbers)
    starts.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen: set[tuple[int, int]] = set()
    stack = starts[::-1]
    walked = 0
    found: set[str] = set()
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        walked += 1
        if walked > _MAX_OBJECTS:
            raise FileUnreadable()
        if isinstance(obj, DictionaryObject):  # streams too: their dictionary, not their data
            why = _active_dictionary(obj)
            if why:
                found.add(why)
            stack.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            stack.extend(list.__iter__(obj))
    return _most_telling(found)


def _most_telling(found: set[str]) -> str | None:
    """An /OpenAction that runs a script is, first of all, a script."""
    return next((why for why in _PRIORITY if why in found), None)


def _active_dictionary(d: DictionaryObject) -> str | None:
    if "/JS" in d or "/JavaScript" in d:  # a script action, or the document's /Names → /JavaScript tree
        return "javascript"
    action = _resolved(d, "/S")
    if isinstance(action, str) and action in _ACTIVE_ACTIONS:
        return _ACTIVE_ACTIONS[action]
    if "/Launch" in d:
        return "launch"
    if "/AA" in d:  # additional actions of the document, a page, an annotation or a form field
        return "actions"
    if "/OpenAction" in d and not _is_destination(d["/OpenAction"]):
        return "actions"  # opening may show a page, nothing else
    if "/XFA" in d:
        return "xfa"
    subtype = _resolved(d, "/Subtype")
    if ("/EmbeddedFiles" in d or "/EF" in d or subtype == "/FileAttachment"
            or _resolved(d, "/Type") == "/EmbeddedFile"):
        return "embedded_file"
    if subtype in ("/RichMedia", "/Screen", "/Movie", "/Sound"):
        return "actions"
    return None


def _is_destination(value: object) -> bool:
    if isinstance(value, ArrayObject):  # [page /Fit …]
        return True
    return isinstance(value, DictionaryObject) and _resolved(value, "/S") == "/GoTo" and "/Next" not in value


def _resolved(d: DictionaryObject, key: str) -> object:
    value = dict.get(d, key)
    return value.get_object() if isinstance(value, IndirectObject) else value
