from django.conf import settings


def tenancy(request) -> dict:
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "user_memberships": getattr(request, "memberships", []),
        "dashboard_languages": settings.DASHBOARD_LANGUAGES,
    }
