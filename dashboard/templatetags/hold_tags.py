"""Panels of the dunning controls on the debtor and invoice pages: holds, dunning settings, charges.

Each panel loads its own rows, so the pages only include a tag. A view of
``dashboard.hold_views`` whose form failed puts the bound form on the
request under ``FAILED_FORMS``, and the panel shows it with its errors in
place of a fresh one.
"""

from django import template

from dashboard import hold_selectors
from dashboard.hold_forms import ChargeWaiveForm, DebtorSettingsForm, HoldPlaceForm, HoldReleaseForm
from dashboard.selectors import debtor_open_invoices
from dunning.selectors import amount_due
from payt.dates import local_today

register = template.Library()

# Request attribute: {"hold_form": form, "release": (hold, form), "settings_form": form, "waive": (charge, form)}.
FAILED_FORMS = "dunning_control_failed_forms"


def _panel_context(context, **values) -> dict:
    """Return the panel's values plus what its forms and permission checks need from the page."""
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "current_membership": context.get("current_membership"),
        **values,
    }


def _failed_forms(context) -> dict:
    return getattr(context.get("request"), FAILED_FORMS, {})


@register.inclusion_tag("dashboard/holds/_debtor_holds.html", takes_context=True)
def debtor_holds_panel(context, debtor):
    """The debtor's holds in force and ended, a release form per hold in force, and the form to place one."""
    organization = context["request"].organization
    failed = _failed_forms(context)
    holds = hold_selectors.debtor_holds(organization, debtor, local_today(organization))
    failed_hold, failed_release = failed.get("release", (None, None))
    for hold in holds.active:
        is_failed = failed_hold is not None and hold.pk == failed_hold.pk
        hold.release_form = failed_release if is_failed else HoldReleaseForm(hold=hold)

    hold_form = failed.get("hold_form")
    if hold_form is None:
        open_invoices = list(debtor_open_invoices(organization, debtor))
        hold_form = HoldPlaceForm(organization=organization, open_invoices=open_invoices)
    return _panel_context(context, debtor=debtor, holds=holds, hold_form=hold_form)


@register.inclusion_tag("dashboard/holds/_debtor_settings.html", takes_context=True)
def debtor_settings_panel(context, debtor):
    """The workflow that applies to the debtor now and why, and the form for its tags and hand-set workflow."""
    organization = context["request"].organization
    settings_form = _failed_forms(context).get("settings_form")
    if settings_form is None:
        initial = {"tags": ", ".join(debtor.tags), "workflow": debtor.workflow_id}
        settings_form = DebtorSettingsForm(initial=initial, organization=organization)
    return _panel_context(
        context,
        debtor=debtor,
        settings_form=settings_form,
        workflow_choices=hold_selectors.workflow_choices(organization, debtor),
    )


@register.inclusion_tag("dashboard/holds/_invoice_charges.html", takes_context=True)
def invoice_charges_panel(context, invoice):
    """The invoice's charges with their basis, the amount due, and a waive form per charge that is still open."""
    organization = context["request"].organization
    failed_charge, failed_form = _failed_forms(context).get("waive", (None, None))
    charge_rows = []
    for charge in hold_selectors.invoice_charges(organization, invoice):
        form = None
        if failed_charge is not None and charge.pk == failed_charge.pk:
            form = failed_form
        elif charge.waived_at is None and charge.open_amount > 0:
            form = ChargeWaiveForm(charge=charge)
        charge_rows.append((charge, form))
    return _panel_context(
        context,
        invoice=invoice,
        charge_rows=charge_rows,
        amount_due=amount_due(invoice, local_today(organization)),
    )
