"""API key authentication: ``Authorization: Bearer <key>`` selects the tenant."""

import hashlib
from contextlib import ExitStack

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from payt.models import ApiKey
from payt.tenancy import lookup_key, tenant_context

API_KEY_PREFIX = "payt_"


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiClient:
    """The authenticated caller of an API request: an organisation's key."""

    is_authenticated = True

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.organization = api_key.organization

    def __str__(self) -> str:
        return f"api key {self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        scheme, _, key = header.partition(" ")
        # The scheme name is case-insensitive (RFC 7235, section 2.1).
        if scheme.lower() != self.keyword.lower() or not key.strip():
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <api key>'.")

        api_key = self._find_key(key.strip())
        if api_key is None:
            raise exceptions.AuthenticationFailed("API key is invalid or revoked; create a new one.")
        return ApiClient(api_key), api_key

    def authenticate_header(self, request) -> str:
        return self.keyword

    def _find_key(self, key: str) -> ApiKey | None:
        key_hash = hash_api_key(key)
        with lookup_key("api_key_hash", key_hash):
            api_key = (
                ApiKey.objects_unscoped.select_related("organization")
                .filter(key_hash=key_hash, revoked_at__isnull=True)
                .first()
            )
        if api_key is not None:
            with tenant_context(api_key.organization):
                ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now())
        return api_key


class HasOrganizationApiKey(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, ApiClient)


class TenantApiViewMixin:
    """Run an API view inside the tenant context of the caller's key.

    DRF authenticates inside ``initial``, so the context opens there and
    closes in ``finalize_response``, which DRF calls on success and on error.
    """

    def initial(self, request, *args, **kwargs):
        self._tenant_stack = ExitStack()
        super().initial(request, *args, **kwargs)
        self.organization = request.user.organization
        self._tenant_stack.enter_context(tenant_context(self.organization))

    def finalize_response(self, request, response, *args, **kwargs):
        try:
            return super().finalize_response(request, response, *args, **kwargs)
        finally:
            stack = getattr(self, "_tenant_stack", None)
            if stack is not None:
                stack.close()
