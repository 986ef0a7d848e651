"""The portal's entry check: the token behind a link, the rate limit, the tenant and the language.

Every token page runs through ``portal_view``. An unknown, revoked or
expired token gets the same neutral 404 page as a wrong invoice or payment
id, counts as one failure of the client's address, and past the limit
every look-up from that address gets a neutral 429 page.
"""

import functools
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control

from debtors.models import Debtor
from payt.models import DEBTOR_LANGUAGE_CHOICES, Organization
from payt.tenancy import tenant_context
from portal import ratelimit, selectors
from portal.models import PortalLink

PORTAL_LANGUAGES = tuple(code for code, _name in DEBTOR_LANGUAGE_CHOICES)


@dataclass(frozen=True)
class PortalVisit:
    """A portal visit: the link's debtor and organisation, and the page language."""

    token: str
    link: PortalLink
    organization: Organization
    debtor: Debtor
    language: str
    language_chosen: bool

    @property
    def lang_query(self) -> str:
        """Query string that keeps a language picked with ``?lang=`` on the next page."""
        return f"?lang={self.language}" if self.language_chosen else ""

    @property
    def home_url(self) -> str:
        return reverse("portal:home", kwargs={"token": self.token}) + self.lang_query

    def url(self, name: str, **kwargs) -> str:
        """Return the URL of another portal page of this visit, keeping the chosen language."""
        return reverse(f"portal:{name}", kwargs={"token": self.token, **kwargs}) + self.lang_query


def portal_view(view):
    """Resolve the token, then run ``view(request, visit, ...)`` as the link's tenant.

    The view runs in the debtor's language, or in the one picked with ``?lang=``.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str, **kwargs) -> HttpResponse:
        if ratelimit.is_blocked(request):
            return too_many_attempts(request)
        link = selectors.portal_link_for_token(token)
        if link is None:
            ratelimit.failure_record(request)
            return not_found(request)

        with tenant_context(link.organization):
            debtor = Debtor.objects.select_related("organization").get(pk=link.debtor_id)
            language, chosen = page_language(request, debtor)
            visit = PortalVisit(token, link, link.organization, debtor, language, chosen)
            try:
                with translation.override(language):
                    response = view(request, visit, **kwargs)
            except Http404:
                return not_found(request)

        response["Content-Language"] = language
        patch_cache_control(response, private=True, no_store=True)
        return response

    return wrapper


def page_language(request: HttpRequest, debtor: Debtor | None = None) -> tuple[str, bool]:
    """Return the page language and whether the visitor picked it with ``?lang=``."""
    requested = request.GET.get("lang", "")
    if requested in PORTAL_LANGUAGES:
        return requested, True
    if debtor is not None and debtor.language in PORTAL_LANGUAGES:
        return debtor.language, False
    return "en", False


def not_found(request: HttpRequest) -> HttpResponse:
    """Return the neutral 404 page; it names no organisation, debtor or reason."""
    return _neutral(request, "portal/not_found.html", 404)


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    """Return the neutral 429 page for an address that failed too often."""
    response = _neutral(request, "portal/too_many_attempts.html", 429)
    response["Retry-After"] = str(ratelimit.FAILURE_WINDOW_SECONDS)
    return response


def _neutral(request: HttpRequest, template: str, status: int) -> HttpResponse:
    language, chosen = page_language(request)
    if not chosen and translation.get_language() in PORTAL_LANGUAGES:
        language = translation.get_language()
    with translation.override(language):
        response = render(request, template, status=status)
    response["Content-Language"] = language
    patch_cache_control(response, private=True, no_store=True)
    return response
