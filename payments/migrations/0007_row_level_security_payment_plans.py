"""Put the payment plan tables under forced row-level security."""

from django.db import migrations

from payt.rls import enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_payment_plans")]

    operations = [
        enable_tenant_rls("payments_paymentplanpolicy"),
        enable_tenant_rls("payments_paymentplan"),
        enable_tenant_rls("payments_paymentplaninvoice"),
        enable_tenant_rls("payments_instalment"),
        enable_tenant_rls("payments_plannotice"),
    ]
