"""Put the new portal tables under forced row-level security, and let a short code open its link.

The read policy of ``portal_portallink`` is recreated so that, besides the
token hash, the hash of a typed short code admits its one row before the
tenant is known.
"""

from django.db import migrations

from payt.rls import ORGANIZATION_MATCH, enable_tenant_rls, lookup_match

TOKEN = lookup_match("token_hash", "app.portal_token_hash")
CODE = lookup_match("code_hash", "app.portal_code_hash")


def _read_policy(*conditions: str) -> str:
    widened = " OR ".join(f"({condition})" for condition in (ORGANIZATION_MATCH, *conditions))
    return f"CREATE POLICY tenant_read ON portal_portallink FOR SELECT USING ({widened})"


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_link_codes_responses_outbox")]

    operations = [
        migrations.RunSQL(
            sql=["DROP POLICY tenant_read ON portal_portallink", _read_policy(TOKEN, CODE)],
            reverse_sql=["DROP POLICY tenant_read ON portal_portallink", _read_policy(TOKEN)],
        ),
        enable_tenant_rls("portal_dispute"),
        enable_tenant_rls("portal_disputeattachment"),
        enable_tenant_rls("portal_paymentpromise"),
        enable_tenant_rls("portal_paymentpromiseline"),
        enable_tenant_rls("portal_outgoingemail"),
    ]
