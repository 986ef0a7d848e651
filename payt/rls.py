"""Migration operations that put a tenant table under row-level security."""

from django.db import migrations

ORGANIZATION_MATCH = "organization_id = NULLIF(current_setting('app.organization_id', true), '')::uuid"


def enable_tenant_rls(table: str, lookup_condition: str | None = None) -> migrations.RunSQL:
    """Return a RunSQL that forces the tenant policy on ``table``.

    ``lookup_condition`` widens reads (never writes) to the single row a lookup
    setting names, for rows that are found before the tenant is known.
    """
    read_condition = ORGANIZATION_MATCH
    if lookup_condition:
        read_condition = f"({ORGANIZATION_MATCH}) OR ({lookup_condition})"

    forward = [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_read ON {table} FOR SELECT USING ({read_condition})",
        f"CREATE POLICY tenant_insert ON {table} FOR INSERT WITH CHECK ({ORGANIZATION_MATCH})",
        f"CREATE POLICY tenant_update ON {table} FOR UPDATE USING ({ORGANIZATION_MATCH}) "
        f"WITH CHECK ({ORGANIZATION_MATCH})",
        f"CREATE POLICY tenant_delete ON {table} FOR DELETE USING ({ORGANIZATION_MATCH})",
    ]
    reverse = [
        f"DROP POLICY IF EXISTS tenant_delete ON {table}",
        f"DROP POLICY IF EXISTS tenant_update ON {table}",
        f"DROP POLICY IF EXISTS tenant_insert ON {table}",
        f"DROP POLICY IF EXISTS tenant_read ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]
    return migrations.RunSQL(sql=forward, reverse_sql=reverse)


def lookup_match(column: str, setting: str) -> str:
    """Return the condition that admits the row whose ``column`` equals ``setting``."""
    return f"{column}::text = NULLIF(current_setting('{setting}', true), '')"
