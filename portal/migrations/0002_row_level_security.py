"""Put the tenant tables of this app under forced row-level security."""

from django.db import migrations

from payt.rls import enable_tenant_rls, lookup_match


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [
        enable_tenant_rls("portal_portallink", lookup_match("token_hash", "app.portal_token_hash")),
        enable_tenant_rls("portal_question"),
    ]
