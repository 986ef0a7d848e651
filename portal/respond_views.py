"""Portal pages where the debtor responds: dispute an invoice, promise to pay, change contact details, get a copy.

Each page shows its form on GET and calls one service on POST. A service's
DomainError is shown on the form field it names, with a 400.
"""

import datetime as dt
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from payt.api_errors import DomainError
from payt.dates import local_today
from portal import selectors
from portal.attachments import AttachmentSizeLimit, attachment_check, skipped_uploads, too_large_error
from portal.forms import ContactForm, DisputeForm, PromiseForm
from portal.models import DisputeCategory
from portal.responses import (
    PROMISE_GRACE_DAYS,
    PROMISE_MAX_DAYS_AHEAD,
    contact_update,
    copy_request,
    dispute_open,
    promise_make,
)
from portal.views import _base_context
from portal.visit import PortalVisit, portal_view


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def dispute_create(request: HttpRequest, token: str, invoice_id: uuid.UUID) -> HttpResponse:
    """Install the attachment size limit, then run the CSRF check and the page.

    The upload handler must be in place before anything reads ``request.POST``.
    The CSRF middleware reads it, so this view is exempt from the middleware
    and ``_dispute_page`` runs the same check through ``csrf_protect``.
    """
    request.upload_handlers.insert(0, AttachmentSizeLimit(request))
    return _dispute_page(request, token=token, invoice_id=invoice_id)


@csrf_protect
@portal_view
def _dispute_page(request: HttpRequest, visit: PortalVisit, invoice_id: uuid.UUID) -> HttpResponse:
    row = _payable_row(visit, invoice_id)
    if request.method != "POST":
        form = DisputeForm()
    else:
        form = DisputeForm(request.POST, request.FILES)
        skipped = skipped_uploads(request)
        if skipped:
            form.is_valid()
            _add_error(form, too_large_error(skipped[0]))
        if form.is_valid() and _dispute_saved(visit, row, form):
            messages.success(
                request,
                gettext(
                    "Thank you. We received your dispute and pause reminders for this invoice until we have answered."
                ),
            )
            return redirect(visit.home_url + "#messages")
    context = {
        **_base_context(visit),
        "row": row,
        "invoice": row.invoice,
        "form": form,
        "categories": DisputeCategory.choices,
    }
    return render(request, "portal/dispute.html", context, status=400 if form.errors else 200)


def _dispute_saved(visit: PortalVisit, row, form: DisputeForm) -> bool:
    data = form.cleaned_data
    try:
        attachment = attachment_check(data["attachment"]) if data["attachment"] else None
        dispute_open(
            debtor=visit.debtor,
            invoice=row.invoice,
            category=data["category"],
            text=data["text"],
            amount=data["amount"],
            attachment=attachment,
        )
    except DomainError as error:
        _add_error(form, error)
        return False
    return True


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def promise_create(request: HttpRequest, visit: PortalVisit) -> HttpResponse:
    today = local_today(visit.organization)
    form = PromiseForm(request.POST if request.method == "POST" else None, debtor=visit.debtor)
    if request.method == "POST" and form.is_valid():
        try:
            promise = promise_make(
                debtor=visit.debtor,
                invoices=list(form.cleaned_data["invoices"]),
                promised_date=form.cleaned_data["promised_date"],
                text=form.cleaned_data["text"],
            )
        except DomainError as error:
            _add_error(form, error)
        else:
            messages.success(
                request,
                gettext("Thank you. We expect your payment on %(date)s and pause reminders until then.")
                % {"date": promise.promised_date.isoformat()},
            )
            return redirect(visit.home_url + "#messages")
    invoices = selectors.portal_invoices(visit.debtor, today)
    selected = set(form.data.getlist("invoices")) if form.is_bound else {str(row.invoice.pk) for row in invoices.to_pay}
    context = {
        **_base_context(visit),
        "form": form,
        "invoices": invoices,
        "selected_ids": selected,
        "today": today,
        "latest_date": today + dt.timedelta(days=PROMISE_MAX_DAYS_AHEAD),
        "grace_days": PROMISE_GRACE_DAYS,
    }
    return render(request, "portal/promise.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def contact_edit(request: HttpRequest, visit: PortalVisit) -> HttpResponse:
    initial = {"email": visit.debtor.email, "phone": visit.debtor.phone}
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changes = contact_update(
                debtor=visit.debtor, email=form.cleaned_data["email"], phone=form.cleaned_data["phone"]
            )
        except DomainError as error:
            _add_error(form, error)
        else:
            text = (
                gettext("Your contact details were saved.")
                if changes
                else gettext("Your contact details are unchanged.")
            )
            messages.success(request, text)
            return redirect(visit.home_url)
    context = {**_base_context(visit), "form": form}
    return render(request, "portal/contact.html", context, status=400 if form.errors else 200)


@require_POST
@portal_view
def copy_create(request: HttpRequest, visit: PortalVisit, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = selectors.debtor_invoices(visit.debtor).filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404("No such invoice for this debtor")
    try:
        copy_request(debtor=visit.debtor, invoice=invoice)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("We are sending a copy of invoice %(number)s to %(email)s.")
            % {"number": invoice.number, "email": visit.debtor.email},
        )
    return redirect(visit.url("invoice", invoice_id=invoice.pk))


def _payable_row(visit: PortalVisit, invoice_id: uuid.UUID):
    row = selectors.portal_invoice(visit.debtor, invoice_id, local_today(visit.organization))
    if row is None or row.invoice.is_credit:
        raise Http404("No such invoice for this debtor")
    return row


def _add_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)
