"""Receipts of policy requests as PDF, drawn with reportlab (pure Python, no system libraries)."""
from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from areaclienti.app.ports.documents import ReceiptDocument, ReceiptRenderer

BRAND = colors.HexColor("#0b5d3b")


class ReportlabReceiptRenderer(ReceiptRenderer):
    def render(self, document: ReceiptDocument) -> bytes:
        buffer = io.BytesIO()
        pdf = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                                bottomMargin=18 * mm, title=f"{document.title} {document.reference}",
                                author=document.issuer, creator="Area Clienti")
        styles = getSampleStyleSheet()
        cell = styles["BodyText"]
        story = [
            Paragraph(f'<font color="#0b5d3b"><b>{escape(document.issuer)}</b></font>', styles["Heading2"]),
            Paragraph(escape(document.title), styles["Title"]),
            Paragraph(f"<b>{escape(document.reference)}</b>", styles["Heading1"]),
            Spacer(1, 4 * mm),
        ]
        rows = [[Paragraph(escape(label), cell), Paragraph(escape(value).replace("\n", "<br/>"), cell)]
                for label, value in document.rows]
        table = Table(rows, colWidths=[55 * mm, None])
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TEXTCOLOR", (0, 0), (0, -1), colors.HexColor("#5b6770")),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d7dde1")),
            ("LINEABOVE", (0, 0), (-1, 0), 1, BRAND),
        ]))
        story.append(table)
        if document.footer:
            story += [Spacer(1, 6 * mm), Paragraph(escape(document.footer), styles["Italic"])]
        pdf.build(story)
        return buffer.getvalue()
