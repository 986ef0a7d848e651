"""The language switch redirects to a page that accepts GET, also from a page rendered after a POST."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from tests.dashboard.conftest import logged_in_client

NEXT_FIELD = Template("{% load dashboard_tags %}{% language_next %}")


def next_url(request, **context) -> str:
    return NEXT_FIELD.render(Context({"request": request, **context}))


def test_get_page_returns_its_path():
    request = RequestFactory().get("/bank/reconciliation/", {"page": "2"})

    assert next_url(request) == "/bank/reconciliation/?page=2"


def test_post_page_returns_referer_path():
    request = RequestFactory().post(
        "/workflows/steps/add/", HTTP_REFERER="http://testserver/workflows/?tab=steps"
    )

    assert next_url(request) == "/workflows/?tab=steps"


@pytest.mark.parametrize("referer", ["", "https://elsewhere.example/bank/", "not a url"])
def test_post_page_without_usable_referer_returns_home(referer):
    request = RequestFactory().post("/bank/entries/x/confirm/", HTTP_REFERER=referer)

    assert next_url(request) == "/"


def test_view_named_page_wins():
    request = RequestFactory().post("/plans/x/reject/", HTTP_REFERER="http://testserver/plans/")

    assert next_url(request, language_next="/plans/x/") == "/plans/x/"


def test_switch_from_invoice_list(db, bob):
    client = logged_in_client(bob)
    page = client.get("/invoices/?status=overdue").content.decode()
    assert 'name="next" value="/invoices/?status=overdue"' in page

    response = client.post("/language/", {"language": "nl", "next": "/invoices/?status=overdue"}, follow=True)

    assert response.redirect_chain == [("/invoices/?status=overdue", 302)]
    assert response.status_code == 200
