"""Access rules of the dashboard views: login, membership, role, language."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from payt.models import Role

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def activate_dashboard_language(request) -> None:
    """Fall back to English when the browser requested a language the dashboard does not offer.

    ``payt.middleware.TenantMiddleware`` has already activated the language
    stored in the session; this covers requests without one, where
    LocaleMiddleware may have picked French or German from Accept-Language.
    """
    if translation.get_language() not in settings.DASHBOARD_LANGUAGES:
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE


def dashboard_view(view=None, *, admin: bool = False):
    """Guard a dashboard view: login, an active membership, and the role the request needs.

    Users without a membership get a 403 page that explains why. Read-only members
    get 403 for every method other than GET, HEAD and OPTIONS, and with
    ``admin=True`` every non-administrator gets 403.
    """

    def decorate(function):
        @login_required
        @wraps(function)
        def wrapper(request, *args, **kwargs):
            activate_dashboard_language(request)
            membership = getattr(request, "membership", None)
            if membership is None:
                return render(request, "dashboard/no_membership.html", status=403)
            if admin and membership.role != Role.ADMIN:
                raise PermissionDenied(_("Only administrators of this organisation may open this page."))
            if request.method not in SAFE_METHODS and not membership.can_write:
                raise PermissionDenied(_("Read-only members cannot change data."))
            return function(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
