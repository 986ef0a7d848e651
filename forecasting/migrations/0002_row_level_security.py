"""Put the tenant tables of this app under forced row-level security.

The pooled model and its run claims are not tenant tables: they hold no
tenant rows, only a model over anonymous feature rows and its metrics.
"""

from django.db import migrations

from payt.rls import enable_tenant_rls


class Migration(migrations.Migration):
    dependencies = [("forecasting", "0001_initial")]

    operations = [
        enable_tenant_rls("forecasting_forecastsecret"),
        enable_tenant_rls("forecasting_trainedmodel"),
        enable_tenant_rls("forecasting_invoiceforecast"),
        enable_tenant_rls("forecasting_forecastrun"),
    ]
