"""Put the tenant tables of this app under forced row-level security."""

from django.db import migrations

from payt.rls import enable_tenant_rls, lookup_match


class Migration(migrations.Migration):
    dependencies = [("payt", "0001_initial")]

    operations = [
        enable_tenant_rls("payt_membership", lookup_match("user_id", "app.user_id")),
        enable_tenant_rls("payt_apikey", lookup_match("key_hash", "app.api_key_hash")),
        enable_tenant_rls("payt_auditentry"),
    ]
