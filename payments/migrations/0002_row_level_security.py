"""Put the tenant tables of this app under forced row-level security."""

from django.db import migrations

from payt.rls import enable_tenant_rls, lookup_match


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [
        enable_tenant_rls("payments_molliepayment", lookup_match("mollie_id", "app.mollie_payment_id")),
        enable_tenant_rls("payments_molliepaymentline"),
    ]
