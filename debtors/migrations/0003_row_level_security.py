"""Put the tenant tables of this app under forced row-level security."""

from django.db import migrations

from payt.rls import enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("debtors", "0002_timeline_invoice")]

    operations = [
        enable_tenant_rls("debtors_debtor"),
        enable_tenant_rls("debtors_timelineevent"),
    ]
