"""Files for upload tests, made here rather than stored: real small images and PDFs, and hostile ones
(a PDF per kind of active content, polyglots, an image with GPS EXIF, decompression bombs)."""
from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

FRONT_SIZE, BACK_SIZE = (64, 40), (48, 32)


def image_bytes(fmt: str, size: tuple[int, int], *, seed: int = 0, **save) -> bytes:
    """A gradient picture (not one colour, so a wrong rotation shows) in JPEG or PNG."""
    width, height = size
    image = Image.new("RGB", size)
    image.putdata([((x * 255 // width + seed) % 256, (y * 255 // height) % 256, (x * y * 7 + seed) % 256)
                   for y in range(height) for x in range(width)])
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = FRONT_SIZE, *, orientation: int | None = None) -> bytes:
    """A JPEG whose EXIF holds a camera model, a GPS position (Rome) and, if given, an orientation."""
    exif = Image.Exif()
    exif[0x0110] = "Telefono Prova"  # Model
    if orientation is not None:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (41.0, 53.0, 24.0), 3: "E", 4: (12.0, 29.0, 32.0)})
    return image_bytes("JPEG", size, exif=exif.tobytes())


PAYLOAD_ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"payload.html" + b"\0" * 32 + b"PK\x05\x06" + b"\0" * 18
PAYLOAD_HTML = b"<!DOCTYPE html><html><body><script>fetch('/backoffice/').then(r=>r.text())</script></body></html>"
PAYLOAD_JS = b"\n/*\x00*/alert(document.domain)//"


def polyglot(image: bytes) -> bytes:
    """An image with a ZIP, an HTML page and a script appended after its last chunk."""
    return image + PAYLOAD_ZIP + PAYLOAD_HTML + PAYLOAD_JS


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels (a decompression bomb's header) with almost no data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(bytes(range(256)) * 4)  # a few hundred bytes: past the minimum size of an upload
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


# --- PDFs ----------------------------------------------------------------------------------------------
def _name(value: str) -> NameObject:
    return NameObject(value)


def _dict(**entries) -> DictionaryObject:
    return DictionaryObject({NameObject("/" + key): value for key, value in entries.items()})


def _script(code: str = "app.alert('ciao')") -> DictionaryObject:
    return _dict(Type=_name("/Action"), S=_name("/JavaScript"), JS=TextStringObject(code))


def _launch() -> DictionaryObject:
    return _dict(Type=_name("/Action"), S=_name("/Launch"), F=TextStringObject("cmd.exe"),
                 Win=_dict(F=TextStringObject("cmd.exe"), P=TextStringObject("/c calc")))


def _rect() -> ArrayObject:
    return ArrayObject([FloatObject(10), FloatObject(10), FloatObject(100), FloatObject(40)])


def _embedded(writer: PdfWriter, name: str = "fattura.exe") -> DictionaryObject:
    stream = DecodedStreamObject()
    stream.set_data(b"MZ\x90\x00 not really a program")
    stream[NameObject("/Type")] = _name("/EmbeddedFile")
    return _dict(Type=_name("/Filespec"), F=TextStringObject(name),
                 EF=_dict(F=writer._add_object(stream)))


def _with_text(writer: PdfWriter):
    page = writer.add_blank_page(595, 842)
    content = DecodedStreamObject()
    content.set_data(b"BT /F1 24 Tf 72 720 Td (Carta d'identita' CA12345AB) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(content)
    font = _dict(Type=_name("/Font"), Subtype=_name("/Type1"), BaseFont=_name("/Helvetica"))
    page[NameObject("/Resources")] = _dict(Font=_dict(F1=font))
    return page


def _pdf(build=None, *, encrypt: bool = False) -> bytes:
    writer = PdfWriter()
    page = _with_text(writer)
    if build is not None:
        build(writer, writer._root_object, page)
    if encrypt:
        writer.encrypt(user_password="", owner_password="proprietario", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _annotation(writer: PdfWriter, page, annotation: DictionaryObject) -> None:
    annotation.update({NameObject("/Type"): _name("/Annot"), NameObject("/Rect"): _rect()})
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _set(target: str, key: str, value) -> callable:
    def build(writer, root, page):
        (root if target == "root" else page)[NameObject(key)] = value(writer) if callable(value) else value
    return build


def clean_pdf() -> bytes:
    """A scan-like PDF: text, a link to a web page, and an /OpenAction that only shows the first page."""
    def build(writer, root, page):
        root[NameObject("/OpenAction")] = ArrayObject([page.indirect_reference, _name("/Fit")])
        _annotation(writer, page, _dict(Subtype=_name("/Link"), A=_dict(S=_name("/URI"),
                                                                       URI=TextStringObject("https://example.it"))))
    return _pdf(build)


XFA_TEMPLATE = "<template xmlns='http://www.xfa.org/schema/xfa-template/3.3/'><subform name='modulo'/></template>"
HOSTILE_PDFS = {
    "open_action_javascript": lambda: _pdf(_set("root", "/OpenAction", _script())),
    "document_additional_actions": lambda: _pdf(_set("root", "/AA", _dict(WC=_script()))),
    "page_additional_actions": lambda: _pdf(_set("page", "/AA", _dict(O=_script()))),
    "names_javascript": lambda: _pdf(_set("root", "/Names", _dict(JavaScript=_dict(
        Names=ArrayObject([TextStringObject("avvio"), _script()]))))),
    "annotation_javascript": lambda: _pdf(lambda w, root, page: _annotation(
        w, page, _dict(Subtype=_name("/Link"), A=_script()))),
    "annotation_launch": lambda: _pdf(lambda w, root, page: _annotation(
        w, page, _dict(Subtype=_name("/Link"), A=_launch()))),
    "open_action_launch": lambda: _pdf(_set("root", "/OpenAction", _launch())),
    "xfa_form": lambda: _pdf(_set("root", "/AcroForm", _dict(Fields=ArrayObject(), XFA=ArrayObject(
        [TextStringObject("template"), TextStringObject(XFA_TEMPLATE)])))),
    "embedded_files": lambda: _pdf(_set("root", "/Names", lambda w: _dict(EmbeddedFiles=_dict(
        Names=ArrayObject([TextStringObject("fattura.exe"), _embedded(w)]))))),
    "file_attachment_annotation": lambda: _pdf(lambda w, root, page: _annotation(
        w, page, _dict(Subtype=_name("/FileAttachment"), FS=_embedded(w), Contents=TextStringObject("leggimi")))),
    "encrypted": lambda: _pdf(encrypt=True),
}


def escaped_name_pdf() -> bytes:
    """An /OpenAction script whose names are written with #xx escapes (``/Java#53cript``), as raw bytes."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /Type /Action /S /Java#53cript /J#53 (app.alert(1)) >>",
    ]
    return raw_pdf(objects)


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written byte by byte: object 1 is the catalogue."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


NOT_A_PDF = b"%PDF-1.4\n" + b"%" * 512  # the magic bytes and nothing a reader can use


def picture(data: bytes) -> tuple[str, tuple[int, int]]:
    """What a stored image shows: its format and size (its bytes change when it is re-encoded)."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.format, image.size


def orphan_script_pdf() -> bytes:
    """A clean PDF followed by a script object that its cross-reference table does not list (a viewer that
    repairs files by scanning for objects may still find and run it; pypdf does not see it)."""
    clean = raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ])
    return clean + b"9 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n"
