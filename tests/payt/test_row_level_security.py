"""Row-level security hides other tenants' rows even when the scoped manager is bypassed."""

import pytest
from django.db import connection

from invoices.models import Invoice
from payt.tenancy import TenantContextMissing, tenant_context


def test_every_tenant_table_forces_rls(db):
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
            FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
            WHERE a.attname = 'organization_id' AND c.relkind = 'r' AND NOT a.attisdropped
            """
        )
        tables = cursor.fetchall()
    assert len(tables) >= 15
    unprotected = [name for name, enabled, forced in tables if not (enabled and forced)]
    assert unprotected == []


def test_app_role_is_not_superuser_or_bypassrls(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        is_superuser, bypasses_rls = cursor.fetchone()
    assert is_superuser is False
    assert bypasses_rls is False


def test_unscoped_manager_sees_only_current_tenant(org_alfa, org_bravo, make_invoice):
    make_invoice(org_alfa, number="A-1")
    make_invoice(org_bravo, number="B-1")
    make_invoice(org_bravo, number="B-2")

    with tenant_context(org_alfa):
        numbers = sorted(Invoice.objects_unscoped.values_list("number", flat=True))
    assert numbers == ["A-1"]

    assert Invoice.objects_unscoped.count() == 0


def test_raw_sql_without_context_sees_nothing(org_alfa, make_invoice):
    make_invoice(org_alfa, number="A-1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM invoices_invoice")
        assert cursor.fetchone()[0] == 0


def test_scoped_manager_outside_context_raises(db):
    with pytest.raises(TenantContextMissing):
        list(Invoice.objects.all())


def test_update_of_other_tenant_row_changes_nothing(org_alfa, org_bravo, make_invoice):
    bravo_invoice = make_invoice(org_bravo, number="B-1", total="50.00")
    with tenant_context(org_alfa):
        changed = Invoice.objects_unscoped.filter(pk=bravo_invoice.pk).update(number="HACKED")
    assert changed == 0
    with tenant_context(org_bravo):
        assert Invoice.objects.get(pk=bravo_invoice.pk).number == "B-1"
