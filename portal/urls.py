from django.urls import path

from portal import plan_views, respond_views, views

app_name = "portal"

urlpatterns = [
    # Before the token routes: a token is 43 characters and never "code".
    path("code/", views.code_entry, name="code"),
    path("<str:token>/", views.portal_home, name="home"),
    path("<str:token>/pay", views.pay, name="pay"),
    path("<str:token>/pay-all", views.pay_all, name="pay_all"),
    path("<str:token>/questions", views.question_create, name="question_create"),
    path("<str:token>/promise", respond_views.promise_create, name="promise"),
    path("<str:token>/contact", respond_views.contact_edit, name="contact"),
    path("<str:token>/invoices/<uuid:invoice_id>/", views.invoice_detail, name="invoice"),
    path("<str:token>/invoices/<uuid:invoice_id>/pdf", views.invoice_pdf, name="invoice_pdf"),
    path("<str:token>/invoices/<uuid:invoice_id>/dispute", respond_views.dispute_create, name="dispute"),
    path("<str:token>/invoices/<uuid:invoice_id>/copy", respond_views.copy_create, name="copy"),
    path(
        "<str:token>/payments/<uuid:payment_id>/return", views.payment_return, name="payment_return"
    ),
    path("<str:token>/plan", plan_views.plan_page, name="plan"),
    path("<str:token>/plan/propose", plan_views.plan_propose_view, name="plan_propose"),
    path("<str:token>/plan/instalments/<uuid:instalment_id>/pay", plan_views.instalment_pay, name="instalment_pay"),
]
