"""REST API of debtors: create, list with filters, fetch by id."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from debtors.models import Debtor, DebtorKind
from debtors.selectors import debtors_of
from debtors.services import debtor_create
from payt.api_auth import TenantApiViewMixin
from payt.api_base import ApiViewMixin, ErrorSerializer

# The calculation endpoints call a company debtor "business", as the late-payment laws do.
KIND_ALIASES = {"business": DebtorKind.COMPANY}


class DebtorKindField(serializers.ChoiceField):
    """Debtor kind field that accepts company and consumer, and business as an alias of company."""

    default_error_messages = {
        "invalid_choice": '"{input}" is not a debtor kind; send company or consumer (business is accepted as company).'
    }

    def __init__(self, **kwargs):
        super().__init__(choices=DebtorKind.choices, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str) and data in KIND_ALIASES:
            return KIND_ALIASES[data]
        return super().to_internal_value(data)


class DebtorSerializer(serializers.ModelSerializer):
    """A debtor as the API returns and accepts it. Only ``name`` is required."""

    kind = DebtorKindField(
        required=False,
        help_text=(
            "company (default) or consumer; business, the word of the calculation endpoints, is stored as company."
        ),
    )

    class Meta:
        model = Debtor
        fields = [
            "id",
            "kind",
            "name",
            "email",
            "phone",
            "language",
            "address_line",
            "postal_code",
            "city",
            "country",
            "kvk_number",
            "vat_number",
            "iban",
            "external_id",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "language": {
                "required": False,
                "help_text": "nl, en, fr or de; default: from the country.",
            },
            "country": {"help_text": "ISO 3166 alpha-2 code, for example NL."},
            "iban": {"help_text": "Account the debtor pays from; bank statements are matched to the debtor by it."},
        }
        # debtor_create checks the unique external id inside its transaction.
        validators = []

    def validate_country(self, value: str) -> str:
        value = value.strip().upper()
        if value and not (len(value) == 2 and value.isascii() and value.isalpha()):
            raise serializers.ValidationError(f"{value!r} is not an ISO 3166 alpha-2 country code such as NL or BE.")
        return value


class DebtorFilter(django_filters.FilterSet):
    external_id = django_filters.CharFilter(help_text="Exact id in the accounting package.")
    name = django_filters.CharFilter(lookup_expr="icontains", help_text="Part of the name, case-insensitive.")
    email = django_filters.CharFilter(lookup_expr="iexact", help_text="E-mail address, case-insensitive.")

    class Meta:
        model = Debtor
        fields = ["external_id", "name", "email"]


class DebtorViewSet(
    TenantApiViewMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Debtors of the caller's organisation: create, list with filters, fetch by id."""

    serializer_class = DebtorSerializer
    filterset_class = DebtorFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Debtor.objects_unscoped.none()
        return debtors_of(self.organization)

    @extend_schema(responses={201: DebtorSerializer, 400: ErrorSerializer, 415: ErrorSerializer})
    def create(self, request):
        serializer = DebtorSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        debtor = debtor_create(organization=self.organization, **serializer.validated_data)
        return Response(DebtorSerializer(debtor).data, status=status.HTTP_201_CREATED)
