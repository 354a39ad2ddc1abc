"""Helpers that drive identification the way the pages do, for the use-case tests."""
from __future__ import annotations

import io
from datetime import date

import pyotp

from areaclienti.app.use_cases.identification import GiveDocument, SendDocumentFiles, Upload
from areaclienti.domain.identification import DocumentType

from tests.sample_files import BACK_SIZE, FRONT_SIZE, clean_pdf, image_bytes
from tests.support import Harness

# A video header just enough for the magic-byte check (videos are not decoded), padded past the minimum
# size; real, small images and PDF (images are decoded and re-encoded, PDFs read, before they are kept).
WEBM = b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\xf2\x81\x04B\xf3\x81\x08B\x82\x84webmB\x87\x81\x04" + b"\0" * 4096
JPEG = image_bytes("JPEG", FRONT_SIZE)
PNG = image_bytes("PNG", BACK_SIZE)
PDF = clean_pdf()
DOCUMENT_EXPIRY = date(2030, 5, 31)
OPERATOR_EMAIL = "operatore@ca-assicurazioni.example"
OPERATOR_PASSWORD = "verifica identità con cura 2026"


def upload(data: bytes, name: str = "file") -> Upload:
    return Upload(io.BytesIO(data), name)


def identify_until_sent(harness: Harness, account_id: str, *, number: str = "CA12345AB",
                        expires_on: date = DOCUMENT_EXPIRY, back: bool = True):
    """Video, document, two images, «conferma invio»: returns (attempt, confirmation)."""
    use_case = harness.container.identification()
    attempt = use_case.start(account_id)
    use_case.send_video(account_id, attempt.id, upload(WEBM, "selfie.webm"))
    use_case.give_document(GiveDocument(account_id, attempt.id, DocumentType.CARTA_IDENTITA, number, expires_on))
    confirmation = use_case.send_document_files(SendDocumentFiles(
        account_id, attempt.id, upload(JPEG, "fronte.jpg"), upload(PNG, "retro.png") if back else None))
    return attempt, confirmation


def create_operator(harness: Harness, email: str = OPERATOR_EMAIL) -> str:
    """An enrolled operator; returns their TOTP secret."""
    access = harness.container.operator_access()
    access.create(email=email, display_name="Operatrice Prova", password=OPERATOR_PASSWORD)
    pending = access.check_password(email, OPERATOR_PASSWORD)
    enrolment = access.begin_enrolment(pending)
    access.check_code(pending, pyotp.TOTP(enrolment.secret).at(harness.clock.now()))
    return enrolment.secret


def operator_id(harness: Harness, email: str = OPERATOR_EMAIL) -> str:
    with harness.container.uow() as uow:
        return uow.operators.get_by_email(email).id
