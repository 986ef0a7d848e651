"""Fixtures for payment tests: the local Mollie server and a debtor with a portal link.

Each test gets its own ``LocalMollieServer`` on 127.0.0.1, and the real
mollie-api-python client reaches it through ``MOLLIE_API_ENDPOINT``.
``BASE_URL`` points at a closed port, so a webhook that the local server
sends on its own fails fast. Tests deliver webhooks to Django themselves,
or start ``live_server`` and set ``BASE_URL`` to it.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
import requests

from debtors.models import Debtor
from debtors.services import debtor_create
from invoices.models import Invoice
from invoices.services import invoice_register
from payments.mollie_local import LocalMollieServer
from payt.models import Organization
from payt.tenancy import tenant_context
from portal.services import portal_link_ensure

# Nothing listens on the discard port, so calls to it are refused at once.
UNREACHABLE_BASE_URL = "http://127.0.0.1:9"
WEBHOOK_PATH = "/webhooks/mollie"


@pytest.fixture
def mollie_server(settings):
    """Start a local Mollie server and point the Mollie client at it."""
    server = LocalMollieServer().start()
    settings.MOLLIE_API_ENDPOINT = server.url
    settings.BASE_URL = UNREACHABLE_BASE_URL
    yield server
    server.stop()


class MollieControl:
    """Calls to the local server's test-control endpoints under ``/_local``."""

    def __init__(self, server: LocalMollieServer) -> None:
        self.server = server
        self.session = requests.Session()
        self.session.trust_env = False

    def _post(self, path: str, body: dict) -> dict:
        response = self.session.post(f"{self.server.url}/_local{path}", json=body, timeout=10)
        assert response.status_code < 300, response.text
        return response.json()

    def set_status(self, mollie_id: str, status: str, webhook: str = "none") -> dict:
        return self._post(f"/payments/{mollie_id}/status", {"status": status, "webhook": webhook})

    def set_refund_status(self, mollie_id: str, refund_id: str, status: str) -> dict:
        body = {"status": status, "webhook": "none"}
        return self._post(f"/payments/{mollie_id}/refunds/{refund_id}/status", body)

    def charge_back(self, mollie_id: str, value: str, webhook: str = "none") -> dict:
        return self._post(
            f"/payments/{mollie_id}/chargebacks", {"amount": value, "webhook": webhook}
        )

    def redeliver(self, mollie_id: str, times: int, concurrent: bool = False) -> dict:
        return self._post(
            f"/payments/{mollie_id}/webhook", {"times": times, "concurrent": concurrent}
        )

    def configure(self, **settings: object) -> dict:
        return self._post("/config", settings)


@pytest.fixture
def mollie_control(mollie_server) -> MollieControl:
    return MollieControl(mollie_server)


@dataclass
class PortalDebtor:
    organization: Organization
    debtor: Debtor
    token: str

    @property
    def home_url(self) -> str:
        return f"/p/{self.token}/"

    def invoice(
        self, number: str, total: str, *, currency: str = "EUR", due: dt.date | None = None
    ) -> Invoice:
        with tenant_context(self.organization):
            invoice, _ = invoice_register(
                organization=self.organization,
                debtor=self.debtor,
                number=number,
                issue_date=dt.date(2026, 5, 1),
                due_date=due or dt.date(2026, 5, 31),
                total_amount=Decimal(total),
                currency=currency,
            )
        return invoice


def portal_debtor_for(organization: Organization, name: str, language: str = "nl") -> PortalDebtor:
    with tenant_context(organization):
        debtor = debtor_create(
            organization=organization,
            name=name,
            email=f"{name.split()[0].lower()}@debtor.example",
            language=language,
            country="NL",
        )
        _, token = portal_link_ensure(debtor=debtor)
    return PortalDebtor(organization, debtor, token)


@pytest.fixture
def alfa_debtor(org_alfa) -> PortalDebtor:
    return portal_debtor_for(org_alfa, "Noordkade Logistics")


@pytest.fixture
def bravo_debtor(org_bravo) -> PortalDebtor:
    return portal_debtor_for(org_bravo, "Zuidpoort Transport")
