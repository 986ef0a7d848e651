"""The forecast_train command: what it prints when an organisation cannot be scored yet."""

import io

import pytest
from django.core.management import call_command

from forecasting.services import pooled_model_register, trained_model_register
from payt.tenancy import tenant_context

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    output = io.StringIO()
    call_command("forecast_train", *args, stdout=output)
    return output.getvalue()


def test_train_without_any_model_explains_why_nothing_scored(org_bravo, make_invoice):
    make_invoice(org_bravo, number="B-1", total="700.00")

    output = _run("--organization", "bravo", "--date", "2025-10-15")

    assert "open invoices scored" not in output
    assert "bravo: no invoices scored, because no forecast model exists for this organisation yet" in output
    assert "too little history for its own model (0 paid invoices; an own model needs 500" in output
    assert "no pooled model has been trained" in output


def test_train_with_pooled_model_scores(org_bravo, make_invoice, trained_outcome):
    pooled_model_register(outcome=trained_outcome, organizations=1)
    make_invoice(org_bravo, number="B-1", total="700.00")

    output = _run("--organization", "bravo", "--date", "2025-10-15")

    assert "bravo: 1 open invoices scored" in output


def test_train_with_own_model_scores(org_bravo, make_invoice, trained_outcome):
    # The own model sits behind row-level security, so the command must look it up in the tenant's context.
    with tenant_context(org_bravo):
        trained_model_register(organization=org_bravo, outcome=trained_outcome)
    make_invoice(org_bravo, number="B-1", total="700.00")

    output = _run("--organization", "bravo", "--date", "2025-10-15")

    assert "bravo: 1 open invoices scored" in output


def test_pooled_too_little_history_message(org_bravo):
    output = _run("--organization", "bravo", "--pooled", "--no-score")

    assert "no pooled model trained: " in output
