"""Pages of the debtor portal, reached through a token link or a short code, without an account.

Token pages run through ``portal.visit.portal_view``; see there for the
neutral 404 and the rate limit. Responses (disputes, promises, contact
details, copies) live in ``portal.respond_views``.
"""

import logging
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from invoices.pdf import render_invoice_pdf
from payments.models import MolliePaymentStatus
from payments.mollie_client import mollie_locale
from payments.selectors import mollie_payment_of_debtor, payment_methods
from payments.services import FINISHED_STATUSES, mollie_payment_start, mollie_payment_sync
from payt.api_errors import DomainError
from payt.dates import local_today
from payt.models import DEBTOR_LANGUAGE_CHOICES
from portal import ratelimit, selectors
from portal.forms import CodeForm, PayAllForm, PayForm, QuestionForm
from portal.outbox import pdf_filename
from portal.services import QUESTION_MAX_LENGTH, question_ask
from portal.tokens import derive_token, normalize_code
from portal.visit import PortalVisit, page_language, portal_view, too_many_attempts

logger = logging.getLogger(__name__)

# Seconds between reloads of the return page while Mollie has not decided.
RETURN_PAGE_REFRESH_SECONDS = 3


@require_safe
@portal_view
def portal_home(request: HttpRequest, visit: PortalVisit) -> HttpResponse:
    return _render_home(request, visit)


@require_POST
@portal_view
def pay(request: HttpRequest, visit: PortalVisit) -> HttpResponse:
    """Start a Mollie payment for the chosen invoices and send the debtor to Mollie's checkout."""
    form = PayForm(request.POST, debtor=visit.debtor)
    if not form.is_valid():
        return _render_home(request, visit, pay_form=form, status=400)
    return _start_payment(request, visit, list(form.cleaned_data["invoices"]), form)


@require_POST
@portal_view
def pay_all(request: HttpRequest, visit: PortalVisit) -> HttpResponse:
    """Pay the whole open balance in one currency: every payable invoice, as the server counts them."""
    form = PayAllForm(request.POST)
    if not form.is_valid():
        return _render_home(request, visit, pay_form=form, status=400)
    invoices = list(selectors.payable_invoices(visit.debtor).filter(currency=form.cleaned_data["currency"]))
    if not invoices:
        form.add_error(None, gettext("You have no invoices to pay."))
        return _render_home(request, visit, pay_form=form, status=400)
    return _start_payment(request, visit, invoices, form)


def _start_payment(request: HttpRequest, visit: PortalVisit, invoices: list, form) -> HttpResponse:
    language = visit.language if visit.language_chosen else None
    try:
        mollie_payment = mollie_payment_start(
            debtor=visit.debtor, invoices=invoices, language=language, method=form.cleaned_data["method"] or None
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _render_home(request, visit, pay_form=form, status=error.status_code)
    return redirect(mollie_payment.checkout_url)


@require_POST
@portal_view
def question_create(request: HttpRequest, visit: PortalVisit) -> HttpResponse:
    form = QuestionForm(request.POST, debtor=visit.debtor)
    if not form.is_valid():
        return _render_home(request, visit, question_form=form, status=400)

    question_ask(
        debtor=visit.debtor, text=form.cleaned_data["text"], invoice=form.cleaned_data["invoice"]
    )
    messages.success(
        request, gettext("Thank you. We received your question and will answer it by e-mail.")
    )
    return redirect(visit.home_url + "#questions")


@require_safe
@portal_view
def invoice_detail(request: HttpRequest, visit: PortalVisit, invoice_id: uuid.UUID) -> HttpResponse:
    """Show one invoice with its amounts and actions; a cancelled one points to the invoice replacing it."""
    today = local_today(visit.organization)
    row = selectors.portal_invoice(visit.debtor, invoice_id, today)
    if row is None:
        raise Http404("No such invoice for this debtor")
    context = {
        **_base_context(visit),
        "row": row,
        "invoice": row.invoice,
        "methods": _methods_for(visit, row.amount_due, row.invoice.currency) if row.is_payable else [],
    }
    return render(request, "portal/invoice.html", context)


@require_safe
@portal_view
def invoice_pdf(request: HttpRequest, visit: PortalVisit, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = (
        selectors.debtor_invoices(visit.debtor)
        .select_related("debtor", "organization")
        .filter(pk=invoice_id)
        .first()
    )
    if invoice is None:
        raise Http404("No such invoice for this debtor")
    response = HttpResponse(render_invoice_pdf(invoice, language=visit.language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pdf_filename(invoice.number)}"'
    return response


@require_safe
@portal_view
def payment_return(request: HttpRequest, visit: PortalVisit, payment_id: uuid.UUID) -> HttpResponse:
    """Show the payment's state as Mollie reports it; the redirect itself proves nothing."""
    mollie_payment = mollie_payment_of_debtor(visit.debtor, payment_id)
    if mollie_payment is None:
        raise Http404("No such payment for this debtor")

    if mollie_payment.status not in FINISHED_STATUSES and mollie_payment.mollie_id:
        try:
            mollie_payment = mollie_payment_sync(mollie_payment=mollie_payment)
        except DomainError:
            logger.info(
                "Return page of Mollie payment %s shows processing: Mollie unreachable",
                mollie_payment.pk,
            )

    if mollie_payment.status == MolliePaymentStatus.PAID:
        state = "paid"
    elif mollie_payment.status in FINISHED_STATUSES:
        state = "not_paid"
    else:
        state = "processing"
    context = {
        **_base_context(visit),
        "mollie_payment": mollie_payment,
        "invoice_numbers": [
            line.invoice.number for line in mollie_payment.lines.select_related("invoice")
        ],
        "state": state,
        "refresh_seconds": RETURN_PAGE_REFRESH_SECONDS,
    }
    return render(request, "portal/payment_return.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def code_entry(request: HttpRequest) -> HttpResponse:
    """Open the portal with the short code printed on a letter; wrong codes count towards the rate limit."""
    language, chosen = page_language(request)
    if ratelimit.is_blocked(request):
        return too_many_attempts(request)

    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        link = None
        if form.is_valid():
            code = normalize_code(form.cleaned_data["code"])
            link = selectors.portal_link_for_code(code) if code else None
        if link is not None:
            url = reverse("portal:home", kwargs={"token": derive_token(link.pk, link.nonce)})
            return redirect(url + (f"?lang={language}" if chosen else ""))
        ratelimit.failure_record(request)
        status = 400
        with translation.override(language):
            if form.is_valid():
                form.add_error("code", gettext("This code does not work. Check it against your letter and try again."))

    with translation.override(language):
        context = {
            "form": form,
            "portal_languages": DEBTOR_LANGUAGE_CHOICES,
            "lang_query": f"?lang={language}" if chosen else "",
        }
        response = render(request, "portal/code.html", context, status=status)
    response["Content-Language"] = language
    patch_cache_control(response, private=True, no_store=True)
    return response


def _base_context(visit: PortalVisit) -> dict:
    return {
        "visit": visit,
        "organization": visit.organization,
        "debtor": visit.debtor,
        "portal_languages": DEBTOR_LANGUAGE_CHOICES,
    }


def _methods_for(visit: PortalVisit, amount, currency: str) -> list:
    return payment_methods(amount, currency, mollie_locale(visit.language, visit.debtor.country))


def _render_home(
    request: HttpRequest,
    visit: PortalVisit,
    *,
    pay_form=None,
    question_form: QuestionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = local_today(visit.organization)
    invoices = selectors.portal_invoices(visit.debtor, today)
    currencies = list(invoices.open_totals)
    context = {
        **_base_context(visit),
        "today": today,
        "invoices": invoices,
        "linked_invoice": _linked_invoice(request, visit, today),
        "methods": _methods_for(visit, invoices.open_totals[currencies[0]], currencies[0]) if currencies else [],
        "selected_ids": _selected_for_payment(request, invoices, pay_form),
        "question_invoice_id": _selected_for_question(request, question_form),
        "pay_form": pay_form,
        "question_form": question_form,
        "question_text": question_form.data.get("text", "") if question_form is not None else "",
        "debtor_messages": selectors.debtor_messages(visit.debtor),
        "question_max_length": QUESTION_MAX_LENGTH,
    }
    return render(request, "portal/home.html", context, status=status)


def _linked_invoice(request: HttpRequest, visit: PortalVisit, today):
    """Return the row of the invoice that ``?invoice=`` names when it was cancelled or replaced."""
    try:
        invoice_id = uuid.UUID(request.GET.get("invoice", ""))
    except ValueError:
        return None
    row = selectors.portal_invoice(visit.debtor, invoice_id, today)
    if row is None or row.invoice.cancelled_at is None:
        return None
    return row


def _selected_for_payment(request: HttpRequest, invoices: selectors.PortalInvoices, pay_form) -> set[str]:
    """Return the ids to check: those submitted, the one in ``?invoice=``, or all undisputed."""
    if pay_form is not None:
        return set(pay_form.data.getlist("invoices"))
    payable = {str(row.invoice.pk) for row in invoices.to_pay}
    requested = request.GET.get("invoice", "")
    if requested in payable:
        return {requested}
    return {str(row.invoice.pk) for row in invoices.to_pay if row.invoice.disputed_at is None}


def _selected_for_question(request: HttpRequest, question_form: QuestionForm | None) -> str:
    if question_form is not None:
        return question_form.data.get("invoice", "")
    return request.GET.get("invoice", "")
