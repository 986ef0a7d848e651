"""Put the tenant tables of this app under forced row-level security."""

from django.db import migrations

from payt.rls import enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("dunning", "0001_initial")]

    operations = [
        enable_tenant_rls("dunning_workflow"),
        enable_tenant_rls("dunning_workflowstep"),
        enable_tenant_rls("dunning_message"),
        enable_tenant_rls("dunning_dunningaction"),
    ]
