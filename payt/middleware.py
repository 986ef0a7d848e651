"""Request middleware that puts each dashboard request in its tenant context."""

import logging

from django.utils import translation

from payt import selectors
from payt.tenancy import tenant_context

logger = logging.getLogger(__name__)

SESSION_ORGANIZATION_KEY = "organization_id"
SESSION_LANGUAGE_KEY = "dashboard_language"


class TenantMiddleware:
    """Pick the user's active organisation and run the view inside its context.

    API requests get their tenant from the API key (``payt.api_auth``) and
    portal requests from the portal token, so this only acts for logged-in
    users.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)

        memberships = selectors.memberships_of_user(user)
        request.memberships = memberships
        membership = self._active_membership(request, memberships)
        self._activate_dashboard_language(request)
        if membership is None:
            return self.get_response(request)

        request.organization = membership.organization
        request.membership = membership
        with tenant_context(membership.organization):
            return self.get_response(request)

    def _active_membership(self, request, memberships):
        if not memberships:
            return None
        chosen = request.session.get(SESSION_ORGANIZATION_KEY)
        for membership in memberships:
            if str(membership.organization_id) == chosen:
                return membership
        return memberships[0]

    def _activate_dashboard_language(self, request) -> None:
        language = request.session.get(SESSION_LANGUAGE_KEY)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
