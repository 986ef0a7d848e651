"""Pages of the debtor portal, reached through a token link without an account.

Every page runs through ``portal_view``. It finds the link behind the token
and enters the link's tenant context and the debtor's language. An unknown,
revoked or expired token gets the same neutral 404 page as a wrong invoice
or payment id.
"""

import functools
import logging
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from debtors.models import Debtor
from invoices.pdf import render_invoice_pdf
from payments.models import MolliePaymentStatus
from payments.selectors import mollie_payment_of_debtor
from payments.services import FINISHED_STATUSES, mollie_payment_start, mollie_payment_sync
from payt.api_errors import DomainError
from payt.dates import local_today
from payt.models import DEBTOR_LANGUAGE_CHOICES, Organization
from payt.tenancy import tenant_context
from portal import selectors
from portal.forms import PayForm, QuestionForm
from portal.models import PortalLink
from portal.services import QUESTION_MAX_LENGTH, question_ask

logger = logging.getLogger(__name__)

PORTAL_LANGUAGES = tuple(code for code, _name in DEBTOR_LANGUAGE_CHOICES)
# Seconds between reloads of the return page while Mollie has not decided.
RETURN_PAGE_REFRESH_SECONDS = 3


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


def portal_view(view):
    """Resolve the token, then run ``view(request, visit, ...)`` as the link's tenant.

    The view runs in the debtor's language, or in the one picked with ``?lang=``.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, token: str, **kwargs) -> HttpResponse:
        link = selectors.portal_link_for_token(token)
        if link is None:
            return not_found(request)

        with tenant_context(link.organization):
            debtor = Debtor.objects.get(pk=link.debtor_id)
            language, chosen = _page_language(request, debtor)
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


def _page_language(request: HttpRequest, debtor: Debtor) -> tuple[str, bool]:
    requested = request.GET.get("lang", "")
    if requested in PORTAL_LANGUAGES:
        return requested, True
    return (debtor.language if debtor.language in PORTAL_LANGUAGES else "en"), False


def not_found(request: HttpRequest) -> HttpResponse:
    """Return the neutral 404 page; it names no organisation, debtor or reason."""
    response = render(request, "portal/not_found.html", status=404)
    patch_cache_control(response, private=True, no_store=True)
    return response


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

    language = visit.language if visit.language_chosen else None
    try:
        mollie_payment = mollie_payment_start(
            debtor=visit.debtor, invoices=list(form.cleaned_data["invoices"]), language=language
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
    response["Content-Disposition"] = f'inline; filename="{_safe_filename(invoice.number)}.pdf"'
    return response


def _safe_filename(number: str) -> str:
    return "".join(char if char.isalnum() or char in "-_." else "_" for char in number) or "invoice"


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
        "visit": visit,
        "organization": visit.organization,
        "mollie_payment": mollie_payment,
        "invoice_numbers": [
            line.invoice.number for line in mollie_payment.lines.select_related("invoice")
        ],
        "state": state,
        "refresh_seconds": RETURN_PAGE_REFRESH_SECONDS,
        "portal_languages": DEBTOR_LANGUAGE_CHOICES,
    }
    return render(request, "portal/payment_return.html", context)


def _render_home(
    request: HttpRequest,
    visit: PortalVisit,
    *,
    pay_form: PayForm | None = None,
    question_form: QuestionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = local_today(visit.organization)
    invoices = selectors.portal_invoices(visit.debtor, today)
    context = {
        "visit": visit,
        "organization": visit.organization,
        "debtor": visit.debtor,
        "today": today,
        "invoices": invoices,
        "selected_ids": _selected_for_payment(request, invoices, pay_form),
        "question_invoice_id": _selected_for_question(request, question_form),
        "pay_form": pay_form,
        "question_form": question_form,
        "question_text": question_form.data.get("text", "") if question_form is not None else "",
        "questions": selectors.debtor_questions(visit.debtor),
        "question_max_length": QUESTION_MAX_LENGTH,
        "portal_languages": DEBTOR_LANGUAGE_CHOICES,
    }
    return render(request, "portal/home.html", context, status=status)


def _selected_for_payment(
    request: HttpRequest, invoices: selectors.PortalInvoices, pay_form: PayForm | None
) -> set[str]:
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
