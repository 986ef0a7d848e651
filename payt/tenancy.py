"""Tenant context for requests and tasks, backed by PostgreSQL row-level security.

The current organisation lives in a context variable and in the session
setting ``app.organization_id`` of the database connection. Every tenant
table has a policy that compares its ``organization_id`` with that setting,
so a query that forgot its filter still returns only the current tenant's
rows, and a connection without the setting returns no tenant rows at all.

A few rows must be found before the tenant is known: an API key by its hash,
a portal link by its token hash, a Mollie payment by its id, a user's
memberships. Their policies also admit the single row whose secret or owner
is named in a second setting (see ``lookup_key``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from django.db import connection
from django.db.backends.signals import connection_created

if TYPE_CHECKING:
    from payt.models import Organization

ORGANIZATION_SETTING = "app.organization_id"
LOOKUP_SETTINGS = {
    "api_key_hash": "app.api_key_hash",
    "portal_token_hash": "app.portal_token_hash",
    "portal_code_hash": "app.portal_code_hash",
    "mollie_payment_id": "app.mollie_payment_id",
    "user_id": "app.user_id",
}

_current_organization: contextvars.ContextVar[Organization | None] = contextvars.ContextVar(
    "current_organization", default=None
)


class TenantContextMissing(RuntimeError):
    """Raised when tenant rows are queried outside a tenant context."""


def get_current_organization() -> Organization | None:
    return _current_organization.get()


def require_current_organization() -> Organization:
    organization = _current_organization.get()
    if organization is None:
        raise TenantContextMissing(
            "No tenant context: wrap the call in payt.tenancy.tenant_context(organization)."
        )
    return organization


def _set_database_setting(name: str, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


@contextmanager
def tenant_context(organization: Organization) -> Iterator[Organization]:
    """Run the block as ``organization``: scoped managers and RLS both follow it."""
    previous = _current_organization.get()
    token = _current_organization.set(organization)
    _set_database_setting(ORGANIZATION_SETTING, str(organization.pk))
    try:
        yield organization
    finally:
        _current_organization.reset(token)
        _set_database_setting(ORGANIZATION_SETTING, str(previous.pk) if previous else "")


@contextmanager
def lookup_key(kind: str, value: str) -> Iterator[None]:
    """Open the one row whose secret or owner is ``value`` before a tenant is known."""
    setting = LOOKUP_SETTINGS[kind]
    _set_database_setting(setting, value)
    try:
        yield
    finally:
        _set_database_setting(setting, "")


def _reapply_on_new_connection(sender, connection, **kwargs) -> None:
    # A connection opened inside a tenant context (after a reconnect, say)
    # must carry the setting too, or it would silently see nothing.
    organization = _current_organization.get()
    if organization is not None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, false)", [ORGANIZATION_SETTING, str(organization.pk)])


def connect_signals() -> None:
    connection_created.connect(_reapply_on_new_connection, dispatch_uid="payt.tenancy.reapply")
