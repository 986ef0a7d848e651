"""Dispute attachments: a rejected file keeps the typed fields, a stored file gets its detected extension."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from payt.tenancy import tenant_context
from portal.attachments import MAX_ATTACHMENT_BYTES, stored_filename
from portal.models import Dispute

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF"
TYPED_TEXT = "Pallet 4 arrived broken & we sent it back."

# The too-large message of each portal language, with its limit.
TOO_LARGE = {
    "en": "is larger than the maximum of 5 MB",
    "nl": "is groter dan het maximum van 5 MB",
    "fr": "dépasse le maximum de 5 Mo",
    "de": "ist größer als das Maximum von 5 MB",
}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def dispute_url(visitor, invoice, language: str = "en") -> str:
    return f"{visitor.home_url}invoices/{invoice.pk}/dispute?lang={language}"


def typed_fields(attachment) -> dict:
    return {"category": "amount_incorrect", "amount": "12.50", "text": TYPED_TEXT, "attachment": attachment}


def assert_typed_fields_kept(html: str) -> None:
    assert 'value="amount_incorrect" id="category-amount_incorrect" checked' in html
    assert 'value="12.50"' in html
    assert "Pallet 4 arrived broken &amp; we sent it back.</textarea>" in html


def disputes_of(visitor) -> int:
    with tenant_context(visitor.organization):
        return Dispute.objects.count()


@pytest.mark.parametrize("language", ["en", "nl", "fr", "de"])
def test_oversized_body_keeps_typed_fields(client, alfa_debtor, language):
    invoice = alfa_debtor.invoice("ALFA-A1", "40.00")
    six_megabytes = b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024)

    response = client.post(
        dispute_url(alfa_debtor, invoice, language),
        typed_fields(SimpleUploadedFile("scan.pdf", six_megabytes, "application/pdf")),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert_typed_fields_kept(html)
    assert f"scan.pdf {TOO_LARGE[language]}" in html
    assert 'name="attachment" id="id_attachment" accept=' in html
    assert 'aria-describedby="attachment-hint" aria-invalid="true"' in html
    assert disputes_of(alfa_debtor) == 0


def test_file_just_over_limit_keeps_typed_fields(client, alfa_debtor):
    invoice = alfa_debtor.invoice("ALFA-A2", "40.00")
    content = b"%PDF-1.4\n" + b"0" * (MAX_ATTACHMENT_BYTES - 8)

    response = client.post(
        dispute_url(alfa_debtor, invoice), typed_fields(SimpleUploadedFile("scan.pdf", content))
    )

    html = response.content.decode()
    assert len(content) == MAX_ATTACHMENT_BYTES + 1
    assert response.status_code == 400
    assert_typed_fields_kept(html)
    assert "scan.pdf is larger than the maximum of 5 MB" in html
    assert disputes_of(alfa_debtor) == 0


def test_file_of_exactly_limit_accepted(client, alfa_debtor):
    invoice = alfa_debtor.invoice("ALFA-A3", "40.00")
    content = b"%PDF-1.4\n" + b"0" * (MAX_ATTACHMENT_BYTES - 9)

    response = client.post(
        dispute_url(alfa_debtor, invoice), typed_fields(SimpleUploadedFile("scan.pdf", content))
    )

    assert response.status_code == 302
    with tenant_context(alfa_debtor.organization):
        attachment = Dispute.objects.get().attachments.get()
    assert attachment.size == MAX_ATTACHMENT_BYTES


def test_wrong_file_type_keeps_typed_fields(client, alfa_debtor):
    invoice = alfa_debtor.invoice("ALFA-A4", "40.00")

    response = client.post(
        dispute_url(alfa_debtor, invoice, "de"),
        typed_fields(SimpleUploadedFile("setup.exe", b"MZ\x90\x00 executable", "application/pdf")),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert_typed_fields_kept(html)
    assert "Die Datei setup.exe ist weder ein PDF noch ein Bild" in html
    assert disputes_of(alfa_debtor) == 0


def test_oversized_upload_still_checks_csrf(alfa_debtor):
    invoice = alfa_debtor.invoice("ALFA-A5", "40.00")
    browser = Client(enforce_csrf_checks=True)
    browser.get(dispute_url(alfa_debtor, invoice))
    token = browser.cookies["csrftoken"].value
    too_large = b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024)

    without_token = browser.post(
        dispute_url(alfa_debtor, invoice), typed_fields(SimpleUploadedFile("scan.pdf", too_large))
    )
    with_token = browser.post(
        dispute_url(alfa_debtor, invoice),
        {**typed_fields(SimpleUploadedFile("scan.pdf", too_large)), "csrfmiddlewaretoken": token},
    )

    assert without_token.status_code == 403
    assert with_token.status_code == 400
    assert_typed_fields_kept(with_token.content.decode())


def test_question_error_keeps_typed_text(client, alfa_debtor):
    invoice = alfa_debtor.invoice("ALFA-A6", "40.00")

    response = client.post(
        f"{alfa_debtor.home_url}questions?lang=en", {"invoice": str(invoice.pk), "text": "x" * 4001}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Your question is too long: write at most 4000 characters." in html
    assert f'<option value="{invoice.pk}" selected>' in html
    assert "x" * 4001 + "</textarea>" in html


def test_promise_error_keeps_typed_fields(client, alfa_debtor):
    invoice = alfa_debtor.invoice("ALFA-A7", "40.00")

    response = client.post(
        f"{alfa_debtor.home_url}promise?lang=en",
        {"invoices": [str(invoice.pk)], "promised_date": "25-06-2026", "text": TYPED_TEXT},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Write the date as YYYY-MM-DD, for example 2026-06-25." in html
    assert f'value="{invoice.pk}" id="promise-{invoice.pk}" checked' in html
    assert 'value="25-06-2026"' in html
    assert "Pallet 4 arrived broken &amp; we sent it back.</textarea>" in html


@pytest.mark.parametrize(
    ("name", "content", "stored"),
    [
        ("scan.exe", PDF, "scan.pdf"),
        ("photo.pdf", "png", "photo.png"),
        ("photo.JPEG", "jpeg", "photo.jpeg"),
        ("report v1.2", PDF, "report v1.2.pdf"),
        ("../../etc/pass<wd>.pdf", PDF, "pass_wd_.pdf"),
        ("..exe", PDF, "attachment.pdf"),
    ],
)
def test_attachment_stored_with_detected_extension(client, alfa_debtor, name, content, stored):
    invoice = alfa_debtor.invoice("ALFA-A8", "40.00")
    if content == "png":
        content = png_bytes()
    elif content == "jpeg":
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), "blue").save(buffer, format="JPEG")
        content = buffer.getvalue()

    response = client.post(
        dispute_url(alfa_debtor, invoice), typed_fields(SimpleUploadedFile(name, content, "application/x-whatever"))
    )

    assert response.status_code == 302
    with tenant_context(alfa_debtor.organization):
        attachment = Dispute.objects.get().attachments.get()
    assert attachment.filename == stored


def test_attachment_served_with_detected_type(client, alfa_debtor, bob):
    invoice = alfa_debtor.invoice("ALFA-A9", "40.00")
    client.post(
        dispute_url(alfa_debtor, invoice),
        typed_fields(SimpleUploadedFile("Überweisung.exe", PDF, "application/x-msdownload")),
    )
    with tenant_context(alfa_debtor.organization):
        dispute = Dispute.objects.get()
        attachment = dispute.attachments.get()

    client.force_login(bob)
    response = client.get(f"/disputes/{dispute.pk}/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%C3%9Cberweisung.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_old_attachment_name_fixed_when_served(client, alfa_debtor, bob):
    invoice = alfa_debtor.invoice("ALFA-A10", "40.00")
    client.post(dispute_url(alfa_debtor, invoice), typed_fields(SimpleUploadedFile("scan.pdf", PDF)))
    with tenant_context(alfa_debtor.organization):
        dispute = Dispute.objects.get()
        attachment = dispute.attachments.get()
        # A row stored before names followed the detected type.
        type(attachment).objects.filter(pk=attachment.pk).update(filename='run "me".exe')

    client.force_login(bob)
    response = client.get(f"/disputes/{dispute.pk}/attachments/{attachment.pk}/")

    assert response["Content-Disposition"] == 'attachment; filename="run _me_.pdf"'


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("scan.exe", "application/pdf", "scan.pdf"),
        ("scan", "application/pdf", "scan.pdf"),
        ("photo.jpg", "image/jpeg", "photo.jpg"),
        ("photo.png", "image/webp", "photo.webp"),
        ("tab\there.pdf", "application/pdf", "tabhere.pdf"),
        ("a" * 300 + ".pdf", "application/pdf", "a" * 196 + ".pdf"),
        ("scan.exe", "application/octet-stream", "scan"),
    ],
)
def test_stored_filename(name, content_type, expected):
    assert stored_filename(name, content_type) == expected
