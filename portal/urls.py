from django.urls import path

from portal import plan_views, views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.portal_home, name="home"),
    path("<str:token>/pay", views.pay, name="pay"),
    path("<str:token>/questions", views.question_create, name="question_create"),
    path("<str:token>/invoices/<uuid:invoice_id>/pdf", views.invoice_pdf, name="invoice_pdf"),
    path(
        "<str:token>/payments/<uuid:payment_id>/return", views.payment_return, name="payment_return"
    ),
    path("<str:token>/plan", plan_views.plan_page, name="plan"),
    path("<str:token>/plan/propose", plan_views.plan_propose_view, name="plan_propose"),
    path("<str:token>/plan/instalments/<uuid:instalment_id>/pay", plan_views.instalment_pay, name="instalment_pay"),
]
