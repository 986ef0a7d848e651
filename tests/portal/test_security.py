"""Security of the portal: tenants, guessed tokens and codes, cancelled invoices, uploads, the rate limit."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from invoices.services import invoice_cancel
from payments.models import MolliePayment
from payt.tenancy import tenant_context
from portal import ratelimit
from portal.models import Dispute, PortalLink
from portal.services import portal_letter_code, portal_link_rotate
from portal.tokens import CODE_ALPHABET, format_code

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_token_shows_only_own_organization(client, alfa_debtor, bravo_debtor):
    alfa_debtor.invoice("ALFA-1", "10.00")
    foreign = bravo_debtor.invoice("BRAVO-1", "20.00")

    home = client.get(f"{alfa_debtor.home_url}?lang=en").content.decode()
    detail = client.get(f"{alfa_debtor.home_url}invoices/{foreign.pk}/")
    dispute = client.get(f"{alfa_debtor.home_url}invoices/{foreign.pk}/dispute")
    copy = client.post(f"{alfa_debtor.home_url}invoices/{foreign.pk}/copy")

    assert "ALFA-1" in home
    assert "BRAVO-1" not in home
    assert detail.status_code == 404
    assert dispute.status_code == 404
    assert copy.status_code == 404


def test_foreign_invoice_cannot_be_disputed_by_post(client, alfa_debtor, bravo_debtor):
    foreign = bravo_debtor.invoice("BRAVO-2", "20.00")

    response = client.post(
        f"{alfa_debtor.home_url}invoices/{foreign.pk}/dispute", {"category": "other", "text": "mine?"}
    )

    assert response.status_code == 404
    with tenant_context(bravo_debtor.organization):
        assert Dispute.objects.count() == 0


def test_sequential_and_random_ids_get_nothing(client, alfa_debtor):
    alfa_debtor.invoice("ALFA-3", "10.00")

    responses = [client.get(f"{alfa_debtor.home_url}invoices/{uuid.UUID(int=number)}/") for number in range(1, 4)] + [
        client.get(f"{alfa_debtor.home_url}invoices/{uuid.uuid4()}/pdf")
    ]

    assert {response.status_code for response in responses} == {404}


def test_guessed_code_gets_neutral_error(client, alfa_debtor):
    guess = format_code(CODE_ALPHABET[1] * 10)

    response = client.post("/p/code/?lang=en", {"code": guess})

    assert response.status_code == 400
    assert "This code does not work" in response.content.decode()


def test_code_opens_own_page(client, alfa_debtor):
    with tenant_context(alfa_debtor.organization):
        code = portal_letter_code(alfa_debtor.debtor)

    response = client.post("/p/code/", {"code": code.lower().replace("-", " ")})

    assert response.status_code == 302
    assert response["Location"] == alfa_debtor.home_url


def test_code_of_rotated_link_stops_working(client, alfa_debtor, bob):
    with tenant_context(alfa_debtor.organization):
        old_code = portal_letter_code(alfa_debtor.debtor)
        _, new_token = portal_link_rotate(debtor=alfa_debtor.debtor, user=bob)
        new_code = portal_letter_code(alfa_debtor.debtor)

    assert client.post("/p/code/", {"code": old_code}).status_code == 400
    assert client.get(alfa_debtor.home_url).status_code == 404
    assert client.post("/p/code/", {"code": new_code})["Location"] == f"/p/{new_token}/"


def test_rate_limit_blocks_after_failures(client, alfa_debtor, monkeypatch):
    monkeypatch.setattr(ratelimit, "FAILURE_LIMIT", 3)

    statuses = [client.get(f"/p/{'x' * 43}/").status_code for _ in range(3)]
    blocked = client.get(alfa_debtor.home_url)
    code = client.post("/p/code/", {"code": "ABCD-EFGH-JK"})

    assert statuses == [404, 404, 404]
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == str(ratelimit.FAILURE_WINDOW_SECONDS)
    assert code.status_code == 429
    assert "Too many attempts" in client.get("/p/code/?lang=en").content.decode()


def test_rate_limit_counts_per_address(client, alfa_debtor, monkeypatch):
    monkeypatch.setattr(ratelimit, "FAILURE_LIMIT", 2)
    for _ in range(2):
        client.get(f"/p/{'y' * 43}/", REMOTE_ADDR="203.0.113.7")

    assert client.get(alfa_debtor.home_url, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.get(alfa_debtor.home_url, REMOTE_ADDR="203.0.113.8").status_code == 200


def test_cancelled_invoice_not_payable_by_crafted_post(client, alfa_debtor, mollie_server):
    invoice = alfa_debtor.invoice("ALFA-4", "40.00")
    with tenant_context(alfa_debtor.organization):
        invoice_cancel(invoice=invoice, reason="Wrong address")

    single = client.post(f"{alfa_debtor.home_url}pay", {"invoices": [str(invoice.pk)]})
    whole = client.post(f"{alfa_debtor.home_url}pay-all", {"currency": "EUR"})

    assert single.status_code == 400
    assert whole.status_code == 400
    with tenant_context(alfa_debtor.organization):
        assert MolliePayment.objects.count() == 0


def test_replaced_invoice_link_points_to_current(client, alfa_debtor):
    old = alfa_debtor.invoice("ALFA-5", "40.00")
    new = alfa_debtor.invoice("ALFA-6", "35.00")
    with tenant_context(alfa_debtor.organization):
        invoice_cancel(invoice=old, reason="Wrong amount", replaced_by=new)

    home = client.get(f"{alfa_debtor.home_url}?lang=en&invoice={old.pk}").content.decode()
    detail = client.get(f"{alfa_debtor.home_url}invoices/{old.pk}/?lang=en").content.decode()

    assert "Invoice ALFA-5 was replaced by invoice ALFA-6" in home
    assert f"invoices/{new.pk}/" in home
    assert f'id="pay-{old.pk}"' not in home
    assert "Replaced" in detail
    assert "Pay this invoice" not in detail


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        ("invoice.pdf", b"MZ\x90\x00 this is an executable", "is not a PDF or an image"),
        ("photo.png", b"GIF89a not a png", "is not a PDF or an image"),
        ("fake.jpg", b"\xff\xd8\xff\xe0 broken jpeg", "cannot be read"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_upload_refused_with_clear_message(client, alfa_debtor, filename, content, expected):
    invoice = alfa_debtor.invoice("ALFA-7", "40.00")

    response = client.post(
        f"{alfa_debtor.home_url}invoices/{invoice.pk}/dispute?lang=en",
        {"category": "not_as_agreed", "attachment": SimpleUploadedFile(filename, content, "application/pdf")},
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert expected in html
    assert filename in html or expected == "is empty"
    with tenant_context(alfa_debtor.organization):
        assert Dispute.objects.count() == 0


def test_upload_too_large_refused(client, alfa_debtor):
    invoice = alfa_debtor.invoice("ALFA-8", "40.00")
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024)

    response = client.post(
        f"{alfa_debtor.home_url}invoices/{invoice.pk}/dispute?lang=en",
        {"category": "not_as_agreed", "attachment": SimpleUploadedFile("scan.pdf", big, "application/pdf")},
    )

    assert response.status_code == 400
    assert "scan.pdf is larger than the maximum of 5 MB" in response.content.decode()


def test_upload_of_image_accepted(client, alfa_debtor):
    invoice = alfa_debtor.invoice("ALFA-9", "40.00")

    response = client.post(
        f"{alfa_debtor.home_url}invoices/{invoice.pk}/dispute",
        {"category": "not_as_agreed", "attachment": SimpleUploadedFile("photo.jpg", png_bytes(), "image/jpeg")},
    )

    assert response.status_code == 302
    with tenant_context(alfa_debtor.organization):
        attachment = Dispute.objects.get().attachments.get()
    assert attachment.content_type == "image/png"
    assert attachment.filename == "photo.png"


def test_attachment_served_only_to_organization(client, alfa_debtor, bob, charlie):
    invoice = alfa_debtor.invoice("ALFA-10", "40.00")
    client.post(
        f"{alfa_debtor.home_url}invoices/{invoice.pk}/dispute",
        {"category": "other", "text": "See scan", "attachment": SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF")},
    )
    with tenant_context(alfa_debtor.organization):
        dispute = Dispute.objects.get()
        attachment = dispute.attachments.get()
    url = f"/disputes/{dispute.pk}/attachments/{attachment.pk}/"

    anonymous = client.get(url)
    client.force_login(charlie)
    outsider = client.get(url)
    client.force_login(bob)
    member = client.get(url)

    assert anonymous.status_code == 302
    assert outsider.status_code == 404
    assert member.status_code == 200
    assert member.content == b"%PDF-1.4\n%%EOF"
    assert member["Content-Disposition"] == 'attachment; filename="scan.pdf"'
    assert member["X-Content-Type-Options"] == "nosniff"


def test_links_are_stored_hashed(alfa_debtor):
    with tenant_context(alfa_debtor.organization):
        link = PortalLink.objects.get()
        code = portal_letter_code(alfa_debtor.debtor)

    assert alfa_debtor.token not in (link.token_hash, link.code_hash, link.nonce)
    assert code.replace("-", "") not in link.code_hash
    assert len(link.code_hash) == 64
