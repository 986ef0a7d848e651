"""Shared fixtures: two tenants with personas, and API clients.

Alfa is the main tenant with alice (admin) and bob (credit controller);
Bravo is the outsider tenant with charlie. Cross-tenant tests act as one
and check that the other's rows stay invisible and unchanged.
"""

import datetime as dt
import importlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.utils import translation
from rest_framework.test import APIClient

from debtors.services import debtor_create
from dunning.models import InterestRegime, Workflow, WorkflowStep
from invoices.models import DocumentKind
from invoices.services import invoice_register
from payt.models import Role
from payt.services import api_key_create, membership_add, organization_create
from payt.tenancy import tenant_context
from portal import ratelimit

PASSWORD = "correct-horse-battery-staple"
# Client addresses whose failed portal look-ups each test starts without.
TEST_CLIENT_ADDRESSES = ("127.0.0.1", "203.0.113.7", "203.0.113.8")


@pytest.fixture(autouse=True)
def portal_failures_reset():
    """Forget failed portal look-ups, which Redis would otherwise carry from one test to the next."""
    cache.delete_many([f"{ratelimit.KEY_PREFIX}:{address}" for address in TEST_CLIENT_ADDRESSES])


@pytest.fixture
def org_alfa(db):
    return organization_create(slug="alfa", name="Alfa Installaties BV", country="NL")


@pytest.fixture
def org_bravo(db):
    return organization_create(slug="bravo", name="Bravo Bouw BV", country="NL")


def _user(email: str, organization, role: str) -> User:
    user = User.objects.create_user(username=email, email=email, password=PASSWORD)
    membership_add(organization=organization, user=user, role=role)
    return user


@pytest.fixture
def alice(org_alfa):
    return _user("alice@alfa.example", org_alfa, Role.ADMIN)


@pytest.fixture
def bob(org_alfa):
    return _user("bob@alfa.example", org_alfa, Role.CREDIT_CONTROLLER)


@pytest.fixture
def charlie(org_bravo):
    return _user("charlie@bravo.example", org_bravo, Role.ADMIN)


def _api_client(organization) -> APIClient:
    _, key = api_key_create(organization=organization, name="tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def alfa_api(org_alfa) -> APIClient:
    return _api_client(org_alfa)


@pytest.fixture
def bravo_api(org_bravo) -> APIClient:
    return _api_client(org_bravo)


@pytest.fixture
def in_alfa(org_alfa):
    with tenant_context(org_alfa):
        yield org_alfa


@pytest.fixture
def make_invoice():
    """Create a debtor (or reuse one) and an invoice inside the organisation's context."""

    def make(organization, *, number, total="100.00", issue_date=None, due_date=None, debtor=None, **debtor_fields):
        with tenant_context(organization):
            if debtor is None:
                debtor_fields.setdefault("name", f"Debtor of {number}")
                debtor_fields.setdefault("email", f"{number.lower()}@debtor.example")
                debtor = debtor_create(organization=organization, **debtor_fields)
            issue_date = issue_date or dt.date(2025, 9, 1)
            invoice, _ = invoice_register(
                organization=organization,
                debtor=debtor,
                number=number,
                issue_date=issue_date,
                due_date=due_date,
                total_amount=Decimal(total),
            )
        return invoice

    return make


@pytest.fixture
def use_workflow():
    """Make a workflow with the given (days after due, template) steps the default one."""

    def make(organization, steps, name="Test workflow"):
        with tenant_context(organization):
            Workflow.objects.filter(is_default=True).update(is_default=False)
            workflow = Workflow.objects.create(organization=organization, name=name, is_default=True)
            for position, (days, template) in enumerate(steps, start=1):
                WorkflowStep.objects.create(
                    organization=organization,
                    workflow=workflow,
                    position=position,
                    days_after_due=days,
                    template=template,
                )
        return workflow

    return make


@pytest.fixture
def credit_note():
    def make(organization, debtor, *, number, total, issue_date, preceding_number=""):
        with tenant_context(organization):
            credit, _ = invoice_register(
                organization=organization,
                debtor=debtor,
                kind=DocumentKind.CREDIT_NOTE,
                number=number,
                issue_date=issue_date,
                total_amount=Decimal(total),
                preceding_number=preceding_number,
            )
        return credit

    return make


@pytest.fixture
def statutory_rates(db):
    """Make sure the rate tables hold the rows the migration seeds.

    Tests with ``transaction=True`` (live server, concurrency) flush every
    table when they end, seeded data included, so the seed runs again here.
    """
    if not InterestRegime.objects.exists():
        # Found by name, so the seed still runs if the migration is renumbered.
        [path] = (Path(__file__).parent.parent / "dunning" / "migrations").glob("*_seed_statutory_interest_rates.py")
        seed_migration = importlib.import_module(f"dunning.migrations.{path.stem}")
        seed_migration.seed(django_apps, None)


@pytest.fixture(autouse=True)
def default_language():
    """Start and end every test in the default language; a request in a test may activate another."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
