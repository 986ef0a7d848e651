"""Put the tenant tables of this app under forced row-level security."""

from django.db import migrations

from payt.rls import enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("invoices", "0001_initial")]

    operations = [
        enable_tenant_rls("invoices_invoice"),
        enable_tenant_rls("invoices_payment"),
        enable_tenant_rls("invoices_allocation"),
    ]
