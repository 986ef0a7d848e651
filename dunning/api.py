"""REST API of the dunning engine: the collection-cost and interest calculators, and a reminder sent now.

Both endpoints are read-only GETs whose query parameters are checked first by
a serializer (type and format) and then by the calculator (legal range). A bad
parameter gets a 400 in the project's error shape, naming the parameter.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dunning.calculation import COUNTRY_CURRENCIES, CalculationError, LegalDebtorKind, check_country
from dunning.costs import CostsResult, collection_costs
from dunning.interest import CapitalisationRule, DayCount
from dunning.rate_selectors import InterestCalculation, statutory_interest_for
from dunning.services import reminder_create_manual
from dunning.tasks import send_message
from invoices.imports import check_document_date
from invoices.models import Invoice
from payt.api_auth import TenantApiViewMixin
from payt.api_base import ApiViewMixin, ErrorSerializer
from payt.api_errors import DomainError
from payt.dates import local_today
from payt.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

UNROUNDED_PLACES = 6
COUNTRY_HELP = "Country whose law applies: " + ", ".join(COUNTRY_CURRENCIES) + " (UK is read as GB)."


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, rounding=ROUND_HALF_UP, **kwargs
    )


def _unrounded(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS + UNROUNDED_PLACES,
        decimal_places=UNROUNDED_PLACES,
        rounding=ROUND_HALF_UP,
        **kwargs,
    )


def _percent(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=7, decimal_places=3, rounding=ROUND_HALF_UP, **kwargs)


def _checked_country(value: str) -> str:
    try:
        return check_country(value)
    except CalculationError as error:
        raise serializers.ValidationError(error.message) from None


def _checked_date(value):
    try:
        check_document_date(value)
    except ValueError as error:
        raise serializers.ValidationError(str(error)) from None
    return value


# --- Query parameters -------------------------------------------------------------


class CollectionCostsQuerySerializer(serializers.Serializer):
    country = serializers.CharField(max_length=20, help_text=COUNTRY_HELP)
    debtor_kind = serializers.ChoiceField(choices=LegalDebtorKind.choices)
    principal = _money(
        min_value=Decimal("0.01"),
        help_text="Principal owed, for example 1234.56. In NL, the sum of the debtor's open claims in one letter.",
    )
    currency = serializers.CharField(
        max_length=3, required=False, default=None, help_text="ISO 4217 code; default: the country's currency."
    )
    vat_not_deductible = serializers.BooleanField(
        default=False,
        help_text="NL only: true when the creditor states that it cannot deduct VAT, which adds 21% VAT.",
    )

    def validate_country(self, value: str) -> str:
        return _checked_country(value)


class InterestQuerySerializer(serializers.Serializer):
    country = serializers.CharField(max_length=20, help_text=COUNTRY_HELP)
    debtor_kind = serializers.ChoiceField(choices=LegalDebtorKind.choices)
    principal = _money(min_value=Decimal("0.01"), help_text="Principal owed, for example 1000.00.")
    start = serializers.DateField(help_text="First interest day (YYYY-MM-DD), usually the day after the due date.")
    end = serializers.DateField(help_text="Last interest day (YYYY-MM-DD), usually the payment day; it counts.")
    day_count = serializers.ChoiceField(
        choices=DayCount.choices, required=False, default=None, help_text="Default: the regime's setting."
    )

    def validate_country(self, value: str) -> str:
        return _checked_country(value)

    def validate_start(self, value):
        return _checked_date(value)

    def validate_end(self, value):
        return _checked_date(value)


# --- Responses ----------------------------------------------------------------------


class CostTierSerializer(serializers.Serializer):
    lower = _money(help_text="The tier covers the principal above this amount.")
    upper = _money(allow_null=True, help_text="Upper bound of the tier; null for no bound.")
    base = _money(help_text="Part of the principal in this tier.")
    rate = _percent(allow_null=True, help_text="Percent of the base; null for a fixed amount.")
    fixed = _money()
    amount_unrounded = _unrounded(source="amount")


class CollectionCostsSerializer(serializers.Serializer):
    country = serializers.CharField()
    debtor_kind = serializers.ChoiceField(choices=LegalDebtorKind.choices)
    principal = _money()
    currency = serializers.CharField()
    amount = _money(help_text="Costs that may be charged, VAT included where added, for example 224.07.")
    fee = _money(help_text="Costs before VAT, after the minimum and maximum.")
    vat = _money()
    vat_rate = _percent(allow_null=True)
    minimum = _money(allow_null=True)
    maximum = _money(allow_null=True)
    tiers = CostTierSerializer(many=True)
    legal_basis = serializers.CharField()
    note = serializers.CharField(help_text="When the amount is owed, or why nothing is owed.")


class InterestPeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField(help_text="Interest days, both ends counted (30E/360 days for that day count).")
    year_basis = serializers.IntegerField(help_text="Days in the year the interest divides by: 365, 366 or 360.")
    base = _money()
    rate = _percent(help_text="Percent per year.")
    rate_verified = serializers.BooleanField(help_text="False when the rate table marks the rate unverified.")
    interest_unrounded = _unrounded()


class CapitalisationSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Anniversary on which the year's interest is added to the base.")
    interest = _money()
    base_after = _money()


class InterestSerializer(serializers.Serializer):
    country = serializers.CharField(source="regime.country")
    debtor_kind = serializers.ChoiceField(source="regime.debtor_kind", choices=LegalDebtorKind.choices)
    regime = serializers.CharField(source="regime.code")
    legal_basis = serializers.CharField(source="regime.legal_basis")
    currency = serializers.CharField()
    principal = _money(source="result.principal")
    start = serializers.DateField(source="result.start")
    end = serializers.DateField(source="result.end")
    day_count = serializers.ChoiceField(source="result.day_count", choices=DayCount.choices)
    capitalisation = serializers.ChoiceField(source="result.capitalisation", choices=CapitalisationRule.choices)
    amount = _money(source="result.amount", help_text="Interest rounded half up to the cent, for example 117.04.")
    rates_verified = serializers.BooleanField(source="result.rates_verified")
    periods = InterestPeriodSerializer(source="result.periods", many=True)
    capitalisations = CapitalisationSerializer(source="result.capitalisations", many=True)


# --- Views --------------------------------------------------------------------------


class CalculationView(TenantApiViewMixin, ApiViewMixin, APIView):
    """Base of the calculator endpoints: check the query, calculate, and turn a ``CalculationError`` into a 400."""

    query_serializer_class: type[serializers.Serializer]

    def get(self, request):
        query = self.query_serializer_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            return Response(self.calculate(**query.validated_data))
        except CalculationError as error:
            # The error handler turns this into the message "<parameter>: <reason>" and the field map.
            raise serializers.ValidationError({error.parameter: [error.message]}) from None

    def calculate(self, **parameters) -> dict:
        raise NotImplementedError


class CollectionCostsView(CalculationView):
    """Collection costs or fixed recovery compensation a creditor may charge on a principal."""

    query_serializer_class = CollectionCostsQuerySerializer

    @extend_schema(
        operation_id="calculations_collection_costs",
        parameters=[CollectionCostsQuerySerializer],
        responses={200: CollectionCostsSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        return super().get(request)

    def calculate(self, *, country, debtor_kind, principal, currency, vat_not_deductible) -> dict:
        result: CostsResult = collection_costs(country, debtor_kind, principal, currency, vat_not_deductible)
        data = {"country": country, "debtor_kind": debtor_kind, "principal": principal, **vars(result)}
        return CollectionCostsSerializer(data).data


class InterestView(CalculationView):
    """Statutory late-payment interest of a principal from ``start`` to ``end``, both days counted."""

    query_serializer_class = InterestQuerySerializer

    @extend_schema(
        operation_id="calculations_interest",
        parameters=[InterestQuerySerializer],
        responses={200: InterestSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        return super().get(request)

    def calculate(self, *, country, debtor_kind, principal, start, end, day_count) -> dict:
        try:
            calculation: InterestCalculation = statutory_interest_for(
                country, debtor_kind, principal, start, end, day_count
            )
            return InterestSerializer(calculation).data
        except (InvalidOperation, ArithmeticError):
            # Yearly capitalisation can grow the base past the amounts the product stores.
            raise CalculationError(
                "principal", f"{principal} with its capitalised interest is too large to compute; use a smaller amount."
            ) from None


class ReminderSerializer(serializers.Serializer):
    message_id = serializers.UUIDField(help_text="The outbox message that carries the reminder.")
    invoice = serializers.CharField(help_text="Invoice number.")
    step = serializers.CharField(help_text="Template of the dunning step queued.")
    channel = serializers.CharField()
    days_overdue = serializers.IntegerField()
    run_date = serializers.DateField()


class InvoiceReminderView(TenantApiViewMixin, ApiViewMixin, APIView):
    """Queue the invoice's next dunning step today; refused before the invoice is overdue."""

    @extend_schema(
        request=None,
        responses={
            201: ReminderSerializer,
            400: OpenApiResponse(ErrorSerializer, description="not_overdue: the due date has not passed."),
            404: ErrorSerializer,
            409: OpenApiResponse(ErrorSerializer, description="held_back, too_soon or workflow_finished."),
        },
    )
    def post(self, request, invoice_id):
        invoices = Invoice.objects.for_organization(self.organization).select_related("debtor")
        invoice = invoices.filter(pk=invoice_id).first()
        if invoice is None or invoice.is_credit:
            raise DomainError(f"No invoice with id {invoice_id}.", code="not_found", field="invoice", status_code=404)
        today = local_today(self.organization)
        reminder = reminder_create_manual(invoice=invoice, today=today)
        message_id = str(reminder.message.pk)
        transaction.on_commit(lambda: send_message.delay(str(self.organization.pk), message_id))
        data = {
            "message_id": reminder.message.pk,
            "invoice": invoice.number,
            "step": reminder.step.template,
            "channel": reminder.step.channel,
            "days_overdue": reminder.days_past_due,
            "run_date": today,
        }
        return Response(ReminderSerializer(data).data, status=status.HTTP_201_CREATED)
