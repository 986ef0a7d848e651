"""Bank pages of the dashboard: upload, statement detail, reconciliation, and who may do what."""

import datetime as dt
import html
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from invoices.models import Payment
from invoices.services import payment_register
from payments import bank_selectors
from payments.bank_services import bank_statement_import
from payments.models import BankEntryStatus, BankStatement, BankStatementEntry
from payt.models import Role
from payt.tenancy import tenant_context
from tests.conftest import PASSWORD, _user
from tests.payments.bank_support import fixture_bytes, import_fixture, refreshed, seed_invoice

pytestmark = pytest.mark.django_db


def logged_in(user, language: str = "en") -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    client.post("/language/", {"language": language, "next": "/"})
    return client


@pytest.fixture
def bob_client(bob):
    return logged_in(bob)


@pytest.fixture
def waiting(org_alfa):
    """The CAMT.053 sample against an invoice that fits the 1405.31 credit only by the payer's name."""
    invoice = seed_invoice(org_alfa, number="2013-0917", total="1405.31", debtor_name="3rd Party Media")
    other = seed_invoice(org_alfa, number="2013-0918", total="500.00", debtor_name="3rd Party Media")
    result = import_fixture(org_alfa, "test-camt053.xml")
    with tenant_context(org_alfa):
        entry = BankStatementEntry.objects.get(statement=result.statement, position="3")
    return entry, invoice, other


def confirm_data(entry, rows) -> dict:
    prefix = f"entry-{entry.pk}"
    data = {
        f"{prefix}-TOTAL_FORMS": str(max(len(rows), 3)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }
    for index, (number, amount) in enumerate(rows):
        data[f"{prefix}-{index}-invoice_number"] = number
        data[f"{prefix}-{index}-amount"] = amount
    return data


def test_upload_page_imports_file(org_alfa, bob_client):
    upload = SimpleUploadedFile("test-camt054.xml", fixture_bytes("test-camt054.xml"))

    response = bob_client.post("/bank/", {"file": upload}, follow=True)

    assert response.status_code == 200
    with tenant_context(org_alfa):
        statement = BankStatement.objects.get()
    assert response.redirect_chain[-1][0] == f"/bank/statements/{statement.pk}/"
    page = response.content.decode()
    assert "Imported 1 entry. Applied: 0, waiting for review: 1, reversals applied: 0, rejected: 0." in page
    assert 'data-position="1" data-status="review"' in page


def test_upload_same_file_again_says_so(org_alfa, bob_client):
    for _ in range(2):
        upload = SimpleUploadedFile("test-camt054.xml", fixture_bytes("test-camt054.xml"))
        response = bob_client.post("/bank/", {"file": upload}, follow=True)

    assert "This file was already imported on" in response.content.decode()
    with tenant_context(org_alfa):
        assert BankStatement.objects.count() == 1


def test_upload_again_shows_organization_time(org_alfa, bob_client):
    assert org_alfa.time_zone == "Europe/Amsterdam"
    for _ in range(2):
        upload = SimpleUploadedFile("test-camt054.xml", fixture_bytes("test-camt054.xml"))
        response = bob_client.post("/bank/", {"file": upload}, follow=True)

    with tenant_context(org_alfa):
        created_at = BankStatement.objects.get().created_at
    local = created_at.astimezone(zoneinfo.ZoneInfo("Europe/Amsterdam")).strftime("%Y-%m-%d %H:%M")
    utc = created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")
    assert local != utc
    page = response.content.decode()
    assert f"This file was already imported on {local} (Europe/Amsterdam); nothing was changed." in page
    assert utc not in page


def test_upload_counts_in_dutch(org_alfa, bob):
    client = logged_in(bob, "nl")
    upload = SimpleUploadedFile("test-camt054.xml", fixture_bytes("test-camt054.xml"))

    page = client.post("/bank/", {"file": upload}, follow=True).content.decode()

    expected = "1 post geïmporteerd. Verwerkt: 0, wachtend op controle: 1, terugboekingen verwerkt: 0, afgewezen: 0."
    assert expected in page


def test_upload_same_message_id_other_content(org_alfa, bob_client):
    original = fixture_bytes("test-camt054.xml")
    bob_client.post("/bank/", {"file": SimpleUploadedFile("first.xml", original)})
    corrected = original.replace(b">5.00</Amt>", b">5.50</Amt>")

    response = bob_client.post("/bank/", {"file": SimpleUploadedFile("second.xml", corrected)})

    page = response.content.decode()
    assert response.status_code == 400
    assert "was already imported on" in page
    assert "(Europe/Amsterdam) from file first.xml, with other content; nothing was imported." in page
    assert "needs a new message id" in page
    assert "This file was already imported on" not in page
    with tenant_context(org_alfa):
        assert BankStatement.objects.count() == 1


def test_upload_bad_file_shows_error(org_alfa, bob_client):
    upload = SimpleUploadedFile("statement.xml", b"<Document><BkToCstmrStmt/></Document>")

    response = bob_client.post("/bank/", {"file": upload})

    assert response.status_code == 400
    assert "ISO 20022 camt namespace" in response.content.decode()


def test_upload_page_in_dutch(org_alfa, bob):
    client = logged_in(bob, "nl")

    page = client.get("/bank/").content.decode()

    assert "Bankafschriften" in page
    assert "Bankbestand importeren" in page


def test_statement_lists_rejected_entries(org_alfa, bob_client):
    content = fixture_bytes("test-camt053.xml").replace(b"<CdtDbtInd>CRDT</CdtDbtInd>", b"<CdtDbtInd>X</CdtDbtInd>")
    with tenant_context(org_alfa):
        result = bank_statement_import(organization=org_alfa, content=content, file_name="broken.xml")

    page = bob_client.get(f"/bank/statements/{result.statement.pk}/").content.decode()

    assert 'id="rejected-entries"' in page
    assert "Ntry/CdtDbtInd is &#x27;X&#x27;; it must be CRDT or DBIT." in page


def test_reconciliation_shows_suggestion(org_alfa, bob_client, waiting):
    entry, invoice, _other = waiting

    page = bob_client.get("/bank/reconciliation/").content.decode()

    assert f'id="entry-{entry.pk}"' in page
    assert "3rd party Media" in page
    assert "NL69ABNA0522123643" in page
    assert 'value="2013-0917"' in page
    assert 'value="1405.31"' in page
    assert "Amount and payer name, 75% certain." in page


def test_confirm_split(org_alfa, bob_client, waiting):
    entry, invoice, other = waiting

    response = bob_client.post(
        f"/bank/entries/{entry.pk}/confirm/",
        confirm_data(entry, [("2013-0917", "1000.00"), ("2013-0918", "405.31")]),
    )

    assert response.status_code == 302
    assert refreshed(org_alfa, invoice).open_amount == Decimal("405.31")
    assert refreshed(org_alfa, other).open_amount == Decimal("94.69")
    with tenant_context(org_alfa):
        entry = BankStatementEntry.objects.get(pk=entry.pk)
        assert entry.status == BankEntryStatus.CONFIRMED
        assert entry.decided_by.username == "bob@alfa.example"
        assert Payment.objects.get(pk=entry.payment_id).amount == Decimal("1405.31")


def test_confirm_unknown_invoice_number(org_alfa, bob_client, waiting):
    entry, invoice, _other = waiting

    response = bob_client.post(f"/bank/entries/{entry.pk}/confirm/", confirm_data(entry, [("NOPE-1", "10.00")]))

    assert response.status_code == 400
    assert "No invoice with number NOPE-1 exists." in response.content.decode()
    assert refreshed(org_alfa, invoice).open_amount == Decimal("1405.31")


def test_confirm_more_than_open(org_alfa, bob_client, waiting):
    entry, _invoice, other = waiting

    response = bob_client.post(f"/bank/entries/{entry.pk}/confirm/", confirm_data(entry, [("2013-0918", "600.00")]))

    assert response.status_code == 400
    assert "600.00 is more than the 500.00 still open on invoice 2013-0918." in response.content.decode()
    assert refreshed(org_alfa, other).open_amount == Decimal("500.00")


def test_confirm_message_in_dutch(org_alfa, bob, waiting):
    entry, _invoice, _other = waiting
    client = logged_in(bob, "nl")

    response = client.post(f"/bank/entries/{entry.pk}/confirm/", confirm_data(entry, [("NOPE-1", "10.00")]))

    assert "Er bestaat geen factuur met nummer NOPE-1." in response.content.decode()


def test_dismiss(org_alfa, bob_client, waiting):
    entry, _invoice, _other = waiting

    response = bob_client.post(f"/bank/entries/{entry.pk}/dismiss/", follow=True)

    assert f"position {entry.position} was set aside" in response.content.decode()
    with tenant_context(org_alfa):
        assert BankStatementEntry.objects.get(pk=entry.pk).status == BankEntryStatus.IGNORED


def test_reverse_picked_payment(org_alfa, bob_client):
    collected = seed_invoice(org_alfa, number="2014000411", total="100.00", debtor_name="Test Customer")
    with tenant_context(org_alfa):
        payment, _ = payment_register(
            organization=org_alfa, amount=Decimal("100.00"), payment_date=collected.issue_date, invoice=collected
        )
    result = import_fixture(org_alfa, "test-camt053.xml")
    with tenant_context(org_alfa):
        entry = BankStatementEntry.objects.get(statement=result.statement, position="2.2")

    page = bob_client.get("/bank/reconciliation/").content.decode()
    assert f'<option value="{payment.pk}">' in page

    response = bob_client.post(f"/bank/entries/{entry.pk}/reverse/", {"payment": str(payment.pk)})

    assert response.status_code == 302
    assert refreshed(org_alfa, collected).open_amount == Decimal("100.00")


def test_read_only_member_sees_but_cannot_decide(org_alfa, waiting):
    entry, invoice, _other = waiting
    client = logged_in(_user("reader@alfa.example", org_alfa, Role.READ_ONLY))

    page = client.get("/bank/reconciliation/").content.decode()
    response = client.post(f"/bank/entries/{entry.pk}/confirm/", confirm_data(entry, [("2013-0917", "1405.31")]))
    upload = client.post("/bank/", {"file": SimpleUploadedFile("x.xml", fixture_bytes("test-camt054.xml"))})

    assert f'id="entry-{entry.pk}"' in page
    assert "Apply payment" not in page
    assert response.status_code == 403
    assert upload.status_code == 403
    assert refreshed(org_alfa, invoice).open_amount == Decimal("1405.31")


def test_other_organization_gets_404(org_alfa, charlie, waiting):
    entry, invoice, _other = waiting
    client = logged_in(charlie)

    assert f'id="entry-{entry.pk}"' not in client.get("/bank/reconciliation/").content.decode()
    assert client.get(f"/bank/statements/{entry.statement_id}/").status_code == 404
    confirm = client.post(f"/bank/entries/{entry.pk}/confirm/", confirm_data(entry, [("2013-0917", "1405.31")]))
    dismiss = client.post(f"/bank/entries/{entry.pk}/dismiss/")

    assert confirm.status_code == 404
    assert dismiss.status_code == 404
    with tenant_context(org_alfa):
        assert BankStatementEntry.objects.get(pk=entry.pk).status == BankEntryStatus.REVIEW
    assert refreshed(org_alfa, invoice).open_amount == Decimal("1405.31")


def test_rows_invisible_to_other_tenant_context(org_alfa, org_bravo, waiting):
    with tenant_context(org_bravo):
        assert BankStatement.objects.count() == 0
        assert BankStatementEntry.objects.count() == 0
        assert BankStatementEntry.objects_unscoped.count() == 0


def unmatched_credits(count: int, message_id: str) -> bytes:
    entries = "".join(
        f'<Ntry><Amt Ccy="EUR">{index + 1}.11</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>2026-04-01</Dt></BookgDt><NtryDtls><TxDtls><RmtInf><Ustrd>gift {index}</Ustrd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>"
        for index in range(count)
    )
    return (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{message_id}</MsgId></GrpHdr><Stmt><Id>S</Id>{entries}</Stmt>"
        "</BkToCstmrStmt></Document>"
    ).encode()


def test_reconciliation_queries_do_not_grow(org_alfa, bob_client):
    with tenant_context(org_alfa):
        bank_statement_import(organization=org_alfa, content=unmatched_credits(1, "ONE"))
    with CaptureQueriesContext(connection) as one:
        assert bob_client.get("/bank/reconciliation/").status_code == 200

    with tenant_context(org_alfa):
        bank_statement_import(organization=org_alfa, content=unmatched_credits(6, "SIX"))
    with CaptureQueriesContext(connection) as seven:
        page = bob_client.get("/bank/reconciliation/").content.decode()

    assert page.count('class="card bank-entry"') == 7
    assert len(seven.captured_queries) == len(one.captured_queries)


def form_action(page: str, entry, action: str) -> str:
    match = re.search(rf'action="(/bank/entries/{entry.pk}/{action}/[^"]*)"', page)
    assert match, f"no {action} form for entry {entry.pk}"
    return html.unescape(match.group(1))


def language_next(page: str) -> str:
    match = re.search(r'<input type="hidden" name="next" value="([^"]*)">', page)
    assert match, "no language switch on the page"
    return html.unescape(match.group(1))


@pytest.fixture
def entry_on_page_two(org_alfa):
    """26 unmatched credits: 25 fill page 1, and the last (26.11) is alone on page 2."""
    seed_invoice(org_alfa, number="PAGE-1", total="20.00", debtor_name="Paging BV")
    seed_invoice(org_alfa, number="PAGE-2", total="10.00", debtor_name="Paging BV")
    with tenant_context(org_alfa):
        result = bank_statement_import(organization=org_alfa, content=unmatched_credits(26, "PAGED"))
        entry = BankStatementEntry.objects.get(statement=result.statement, sequence=26)
    assert entry.amount == Decimal("26.11")
    return entry


def test_split_error_on_page_two_stays_there(org_alfa, bob_client, entry_on_page_two):
    entry = entry_on_page_two
    page_two = bob_client.get("/bank/reconciliation/?page=2").content.decode()
    assert f'id="entry-{entry.pk}"' in page_two

    response = bob_client.post(
        form_action(page_two, entry, "confirm"), confirm_data(entry, [("PAGE-1", "20.00"), ("PAGE-2", "10.00")])
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Page 2 of 2" in page
    assert f'id="entry-{entry.pk}"' in page
    card = page.split(f'id="entry-{entry.pk}"')[1].split("</section>")[0]
    assert "The amounts add up to 30.00, more than the 26.11 received; lower them." in card
    assert 'href="/bank/reconciliation/?page=1"' in page
    with tenant_context(org_alfa):
        assert BankStatementEntry.objects.get(pk=entry.pk).status == BankEntryStatus.REVIEW


def test_confirm_on_page_two_returns_there(org_alfa, bob_client, entry_on_page_two):
    entry = entry_on_page_two
    page_two = bob_client.get("/bank/reconciliation/?page=2").content.decode()

    response = bob_client.post(form_action(page_two, entry, "confirm"), confirm_data(entry, [("PAGE-1", "20.00")]))

    assert response.status_code == 302
    assert response["Location"] == "/bank/reconciliation/?page=2"
    with tenant_context(org_alfa):
        assert BankStatementEntry.objects.get(pk=entry.pk).status == BankEntryStatus.CONFIRMED


def test_dismiss_twice_returns_to_entry_page(org_alfa, bob_client, entry_on_page_two):
    entry = entry_on_page_two
    page_two = bob_client.get("/bank/reconciliation/?page=2").content.decode()
    action = form_action(page_two, entry, "dismiss")
    bob_client.post(action)

    response = bob_client.post(action)

    assert response.status_code == 302
    assert response["Location"] == f"/bank/reconciliation/?page=2#entry-{entry.pk}"


def test_language_switch_after_failed_split(org_alfa, bob_client, entry_on_page_two):
    entry = entry_on_page_two
    page_two = bob_client.get("/bank/reconciliation/?page=2").content.decode()
    failed = bob_client.post(
        form_action(page_two, entry, "confirm"), confirm_data(entry, [("PAGE-1", "20.00"), ("PAGE-2", "10.00")])
    )
    assert failed.status_code == 400
    next_url = language_next(failed.content.decode())

    response = bob_client.post("/language/", {"language": "nl", "next": next_url}, follow=True)

    assert next_url == "/bank/reconciliation/?page=2"
    assert response.redirect_chain == [("/bank/reconciliation/?page=2", 302)]
    assert response.status_code == 200
    assert "Pagina 2 van 2" in response.content.decode()


@pytest.fixture
def first_entry_of_page_three(org_alfa):
    """76 unmatched credits: the 51st (51.11) opens page 3, and a page 1 entry is there to set aside."""
    seed_invoice(org_alfa, number="PAGE-3", total="20.00", debtor_name="Paging BV")
    with tenant_context(org_alfa):
        result = bank_statement_import(organization=org_alfa, content=unmatched_credits(76, "PAGED-76"))
        entries = {entry.sequence: entry for entry in BankStatementEntry.objects.filter(statement=result.statement)}
    assert entries[51].amount == Decimal("51.11")
    return entries[51], entries[1]


def test_failed_confirm_follows_entry_to_earlier_page(org_alfa, bob_client, first_entry_of_page_three):
    entry, on_page_one = first_entry_of_page_three
    page_three = bob_client.get("/bank/reconciliation/?page=3").content.decode()
    assert f'id="entry-{entry.pk}"' in page_three
    # Another tab sets aside an entry of page 1, so the entry moves to page 2.
    page_one = bob_client.get("/bank/reconciliation/?page=1").content.decode()
    assert bob_client.post(form_action(page_one, on_page_one, "dismiss")).status_code == 302

    response = bob_client.post(form_action(page_three, entry, "confirm"), confirm_data(entry, [("PAGE-3", "60.00")]))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Page 2 of 3" in page
    card = page.split(f'id="entry-{entry.pk}"')[1].split("</section>")[0]
    assert "60.00 is more than the 20.00 still open on invoice PAGE-3." in card
    assert 'value="PAGE-3"' in card
    assert 'value="60.00"' in card
    assert f'action="/bank/entries/{entry.pk}/confirm/?page=2"' in card
    assert language_next(page) == "/bank/reconciliation/?page=2"
    with tenant_context(org_alfa):
        assert BankStatementEntry.objects.get(pk=entry.pk).status == BankEntryStatus.REVIEW


def test_failed_confirm_of_entry_set_aside(org_alfa, bob_client, first_entry_of_page_three):
    entry, _page_one_entry = first_entry_of_page_three
    page_three = bob_client.get("/bank/reconciliation/?page=3").content.decode()
    # Another tab sets this very entry aside.
    assert bob_client.post(form_action(page_three, entry, "dismiss")).status_code == 302

    response = bob_client.post(form_action(page_three, entry, "confirm"), confirm_data(entry, [("PAGE-3", "60.00")]))

    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="entry-{entry.pk}"' not in page
    notices = page.split('<ul class="errorlist notices" role="alert">')[1].split("</ul>")[0]
    assert (
        "The entry at position 51 of file PAGED-76 no longer waits for review: its status is now Ignored. "
        "Nothing was changed; it was decided in another window or by another person."
    ) in html.unescape(notices)
    assert "Page 3 of 3" in page


def test_waiting_index_matches_page_order(org_alfa):
    """Two files with shared, earlier, later and missing booking dates: each index is its list place.

    An entry without a booking date has a value date only; PostgreSQL sorts it last.
    """

    def credits(message_id: str, dates: list[str | None]) -> bytes:
        entries = "".join(
            f'<Ntry><Amt Ccy="EUR">{index + 1}.07</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            + (f"<BookgDt><Dt>{day}</Dt></BookgDt>" if day else "<ValDt><Dt>2026-03-01</Dt></ValDt>")
            + f"<NtryDtls><TxDtls><RmtInf><Ustrd>gift {index}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
            for index, day in enumerate(dates)
        )
        return (
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            f"<GrpHdr><MsgId>{message_id}</MsgId></GrpHdr><Stmt><Id>S</Id>{entries}</Stmt>"
            "</BkToCstmrStmt></Document>"
        ).encode()

    with tenant_context(org_alfa):
        bank_statement_import(organization=org_alfa, content=credits("A", ["2026-04-02", None, "2026-04-01"]))
        bank_statement_import(organization=org_alfa, content=credits("B", [None, "2026-04-01", "2026-04-02"]))
        ordered = list(bank_selectors.entries_waiting(org_alfa))
        assert len(ordered) == 6
        assert [entry.booking_date is None for entry in ordered] == [False, False, False, False, True, True]
        for place, entry in enumerate(ordered):
            assert bank_selectors.waiting_index(org_alfa, entry) == place, entry.amount
        BankStatementEntry.objects.filter(pk=ordered[2].pk).update(status=BankEntryStatus.IGNORED)
        assert bank_selectors.waiting_index(org_alfa, ordered[2]) is None
        assert bank_selectors.waiting_index(org_alfa, ordered[5]) == 4
