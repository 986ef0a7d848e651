"""Put the bank-statement tables under forced row-level security."""

from django.db import migrations

from payt.rls import enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("payments", "0004_bank_statements")]

    operations = [
        enable_tenant_rls("payments_bankstatement"),
        enable_tenant_rls("payments_bankstatemententry"),
        enable_tenant_rls("payments_bankentrysuggestion"),
    ]
