"""Preview of a workflow step's message for a real debtor, without sending or writing anything.

The preview builds an unsaved ``Message`` and reminder lines from the
debtor's open invoices as they stand today, and renders them with the same
code the sender uses (``dunning.content``), in the debtor's language.
Nothing is saved: no message, no dunning action, no portal link.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from debtors.models import Debtor
from dunning.charges import statutory_costs
from dunning.content import LOOKUP, reminder_context, render_bodies, render_phone_script
from dunning.fourteen_day import letter_terms
from dunning.models import Channel, DunningAction, Message, StepCosts, StepTemplate
from dunning.selectors import ReminderLine, interest_to_date
from invoices.models import Allocation, Invoice
from invoices.pdf import format_money, html_to_pdf
from invoices.selectors import receivable_invoices
from payt.dates import days_past_due
from payt.money import ZERO


@dataclass(frozen=True)
class StepDraft:
    """The settings of a step that shape its message; a saved step or the unsaved values of a form."""

    template: str
    channel: str = Channel.EMAIL
    costs: str = StepCosts.NONE
    fixed_fee: Decimal | None = None
    show_interest: bool = False

    @classmethod
    def of(cls, step) -> "StepDraft":
        return cls(
            template=step.template,
            channel=step.channel,
            costs=step.costs,
            fixed_fee=step.fixed_fee,
            show_interest=step.show_interest,
        )


@dataclass
class Preview:
    """A rendered message and what the credit controller should know about it."""

    language: str
    channel: str
    channel_label: str = ""
    subject: str = ""
    html: str = ""
    text: str = ""
    invoice_numbers: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def preview_lines(debtor: Debtor, template: str, today: dt.date) -> list[ReminderLine]:
    """Return the debtor's open invoices a message of ``template`` would list today.

    A "payment due soon" notice lists the invoices not yet due, every other
    template the overdue ones (the 14-day letter must name every open claim
    in default). When none fits, all open invoices are listed, so the
    preview still shows the wording.
    """
    invoices = list(
        receivable_invoices(Invoice.objects.for_organization(debtor.organization))
        .filter(debtor=debtor, open_amount__gt=0)
        .order_by("due_date", "number")
    )
    if template == StepTemplate.PRE_DUE_NOTICE:
        chosen = [invoice for invoice in invoices if invoice.due_date >= today]
    else:
        chosen = [invoice for invoice in invoices if invoice.due_date < today]
    chosen = chosen or invoices

    settled = _settled_amounts([invoice.pk for invoice in chosen])
    return [_line(invoice, today, settled.get(invoice.pk, (ZERO, ZERO))) for invoice in chosen]


def _line(invoice: Invoice, today: dt.date, settled: tuple[Decimal, Decimal]) -> ReminderLine:
    overdue_days = days_past_due(invoice.due_date, today)
    # An unsaved action: ReminderLine carries one, and the preview must not write any.
    action = DunningAction(
        organization=invoice.organization,
        invoice=invoice,
        run_date=today,
        open_amount=invoice.open_amount,
        days_past_due=overdue_days,
    )
    paid, credited = settled
    return ReminderLine(
        action=action,
        invoice=invoice,
        days_past_due=overdue_days,
        total=invoice.total_amount,
        paid=paid,
        credited=credited,
        open=invoice.open_amount,
    )


def _settled_amounts(invoice_ids: list) -> dict:
    """Return {invoice id: (paid, credited)} summed from allocations."""
    rows = (
        Allocation.objects.filter(invoice_id__in=invoice_ids)
        .values("invoice_id")
        .annotate(
            paid=Sum("amount", filter=Q(payment__isnull=False), default=ZERO),
            credited=Sum("amount", filter=Q(credit_document__isnull=False), default=ZERO),
        )
    )
    return {row["invoice_id"]: (row["paid"], row["credited"]) for row in rows}


def preview_message(debtor: Debtor, step: StepDraft, today: dt.date, language: str = "") -> Message:
    """Return the unsaved message a step would create for ``debtor`` today."""
    organization = debtor.organization
    return Message(
        organization=organization,
        debtor=debtor,
        channel=step.channel,
        run_date=today,
        template=step.template,
        language=language or debtor.language or organization.default_language,
        recipient=debtor.email,
    )


def preview_context(
    debtor: Debtor, step: StepDraft, today: dt.date, *, language: str = "", custom_text=LOOKUP
) -> tuple[dict, list[str]]:
    """Return the reminder context for the preview and the notes on what it cannot show exactly."""
    message = preview_message(debtor, step, today, language)
    lines = preview_lines(debtor, step.template, today)
    notes = []
    costs = _preview_costs(step, lines, message, notes)
    interest = _preview_interest(step, lines, message, today)

    portal_url = f"{settings.BASE_URL}/p/…"
    with translation.override(message.language):
        context = reminder_context(
            message,
            lines,
            portal_url,
            costs_stated=costs.get("stated"),
            costs_vat_added=costs.get("vat_added", False),
            show_interest=step.show_interest,
            costs_by_invoice=costs.get("by_invoice"),
            interest_by_invoice=interest,
            custom_text=custom_text,
        )
    context["lines"] = lines
    return context, notes


def _preview_interest(step: StepDraft, lines: list[ReminderLine], message: Message, today: dt.date) -> dict:
    """Return {invoice id: formatted statutory interest up to today} when the step shows interest."""
    if not step.show_interest:
        return {}
    amounts = {line.invoice.pk: interest_to_date(line.invoice, today, shown=True) for line in lines}
    return {
        pk: format_money(amount, line.invoice.currency, message.language)
        for line in lines
        for pk, amount in [(line.invoice.pk, amounts[line.invoice.pk])]
        if amount
    }


def _preview_costs(step: StepDraft, lines: list[ReminderLine], message: Message, notes: list[str]) -> dict:
    """Return the costs the preview states, computed as the sender would for this debtor today."""
    language = message.language
    if step.costs == StepCosts.FIXED and step.fixed_fee is not None and lines:
        by_invoice = {line.invoice.pk: format_money(step.fixed_fee, line.invoice.currency, language) for line in lines}
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for line in lines:
            totals[line.invoice.currency] += step.fixed_fee
        stated = " + ".join(format_money(amount, currency, language) for currency, amount in sorted(totals.items()))
        return {"stated": stated, "by_invoice": by_invoice}

    if step.template == StepTemplate.FOURTEEN_DAY_LETTER and lines:
        terms = letter_terms(message, [(line.invoice.currency, line.open) for line in lines])
        return {"stated": format_money(terms.costs, terms.currency, language), "vat_added": terms.vat_added}

    if step.costs == StepCosts.STATUTORY and lines:
        if message.debtor.kind == "consumer":
            notes.append(gettext("A consumer is charged collection costs only after a 14-day letter."))
            return {}
        by_invoice = {
            line.invoice.pk: statutory_costs(
                debtor=message.debtor,
                organization=message.organization,
                principal=line.invoice.total_amount,
                currency=line.invoice.currency,
            ).amount
            for line in lines
        }
        currency = lines[0].invoice.currency
        return {
            "stated": format_money(sum(by_invoice.values(), ZERO), currency, language),
            "by_invoice": {pk: format_money(amount, currency, language) for pk, amount in by_invoice.items()},
        }
    return {}


def render_preview(
    debtor: Debtor, step: StepDraft, today: dt.date, *, language: str = "", custom_text=LOOKUP
) -> Preview:
    """Render the step's message for ``debtor`` as the channel would show it: e-mail, letter, SMS or call script."""
    context, notes = preview_context(debtor, step, today, language=language, custom_text=custom_text)
    preview = Preview(
        language=context["language"],
        channel=step.channel,
        channel_label=str(Channel(step.channel).label),
        subject=context["subject"],
        invoice_numbers=[row["number"] for row in context["rows"]],
        notes=notes,
    )
    if not context["rows"]:
        preview.notes.insert(0, gettext("%(debtor)s has no open invoices; the message would not be sent.") % {
            "debtor": debtor.name
        })

    with translation.override(context["language"]):
        if step.channel == Channel.SMS:
            preview.text = context["sms"]
        elif step.channel == Channel.PHONE:
            preview.text = render_phone_script(context)
        elif step.channel == Channel.LETTER:
            preview.html = render_to_string("dunning/pdf/reminder.html", context)
        else:
            preview.text, preview.html = render_bodies(context)
    return preview


def render_preview_pdf(
    debtor: Debtor, step: StepDraft, today: dt.date, *, language: str = "", custom_text=LOOKUP
) -> bytes:
    """Render the step's reminder letter as PDF for ``debtor``, as attached to the e-mail or posted."""
    context, _ = preview_context(debtor, step, today, language=language, custom_text=custom_text)
    with translation.override(context["language"]):
        document_html = render_to_string("dunning/pdf/reminder.html", context)
    return html_to_pdf(document_html)
