"""Put the invoice lines under forced row-level security, like every tenant table."""

from django.db import migrations

from payt.rls import enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("invoices", "0005_invoice_line")]

    operations = [enable_tenant_rls("invoices_invoiceline")]
