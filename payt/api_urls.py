"""URLs of the REST API, mounted at /api/v1/."""

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from rest_framework.routers import SimpleRouter

from debtors.api import DebtorViewSet
from dunning.api import CollectionCostsView, InterestView, InvoiceReminderView
from invoices.api import InvoiceViewSet, PaymentViewSet, UblImportView
from payments.bank_api import BankEntryViewSet, BankStatementViewSet
from payments.refund_api import PaymentRefundView
from payt.api_base import api_not_found


@extend_schema(exclude=True)
class UblImportSlashView(UblImportView):
    """The UBL import under its URL with a trailing slash, left out of the schema."""


@extend_schema(exclude=True)
class CollectionCostsSlashView(CollectionCostsView):
    """The collection-costs calculator with a trailing slash, left out of the schema."""


@extend_schema(exclude=True)
class InterestSlashView(InterestView):
    """The interest calculator with a trailing slash, left out of the schema."""


router = SimpleRouter()
router.register("debtors", DebtorViewSet, basename="debtor")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payments", PaymentViewSet, basename="payment")
router.register("bank-statements", BankStatementViewSet, basename="bank-statement")
router.register("bank-entries", BankEntryViewSet, basename="bank-entry")

# The UBL routes come first: "invoices/ubl/" would otherwise match the invoice detail route.
urlpatterns = [
    path("invoices/ubl", UblImportView.as_view(), name="invoice-ubl"),
    path("invoices/ubl/", UblImportSlashView.as_view(), name="invoice-ubl-slash"),
    path("invoices/<uuid:invoice_id>/reminders", InvoiceReminderView.as_view(), name="invoice-reminders"),
    path("payments/<uuid:payment_id>/refunds", PaymentRefundView.as_view(), name="payment-refunds"),
    path("calculations/collection-costs", CollectionCostsView.as_view(), name="calculation-collection-costs"),
    path("calculations/collection-costs/", CollectionCostsSlashView.as_view()),
    path("calculations/interest", InterestView.as_view(), name="calculation-interest"),
    path("calculations/interest/", InterestSlashView.as_view()),
    *router.urls,
    # Last: any other path under the prefix gets a JSON 404.
    re_path(r"^(?P<path>.*)$", api_not_found, name="api-not-found"),
]
