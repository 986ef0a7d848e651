"""Helpers of the dunning tests that are not fixtures."""

import io

import pypdf

from dunning.models import Message
from payt.tenancy import tenant_context


def messages_of(organization):
    with tenant_context(organization):
        return list(Message.objects.order_by("run_date", "created_at"))


def pdf_pages(content: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return [page.extract_text() for page in reader.pages]


def pdf_font_names(content: bytes) -> set[str]:
    """Return the base names of the fonts embedded in the PDF, without the subset prefix."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def pdf_attachment(email) -> tuple[str, bytes]:
    pdfs = [(name, content) for name, content, mimetype in email.attachments if mimetype == "application/pdf"]
    assert len(pdfs) == 1
    return pdfs[0]
