"""Put the tenant tables added with workflows, holds, channels and charges under forced row-level security."""

from django.db import migrations

from payt.rls import enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("dunning", "0004_workflows_holds_channels_charges")]

    operations = [
        enable_tenant_rls("dunning_templatetext"),
        enable_tenant_rls("dunning_hold"),
        enable_tenant_rls("dunning_phonetask"),
        enable_tenant_rls("dunning_charge"),
        enable_tenant_rls("dunning_fourteendayletter"),
        enable_tenant_rls("dunning_letterbatch"),
        enable_tenant_rls("dunning_dunningrun"),
        enable_tenant_rls("dunning_runlogentry"),
    ]
