from django.http import HttpResponse


def portal_home(request, token):
    # TODO: replaced by the portal helper.
    return HttpResponse("portal")
