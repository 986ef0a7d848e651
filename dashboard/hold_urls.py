"""URLs of the dunning controls (holds, waiving charges, debtor settings), included at the dashboard's root."""

from django.urls import path

from dashboard import hold_views as views

urlpatterns = [
    path("holds/", views.hold_overview, name="holds"),
    path("holds/<uuid:hold_id>/release/", views.hold_release_view, name="hold_release"),
    path("debtors/<uuid:debtor_id>/holds/", views.hold_place_view, name="hold_place"),
    path("debtors/<uuid:debtor_id>/settings/", views.debtor_settings_view, name="debtor_settings"),
    path("charges/<uuid:charge_id>/waive/", views.charge_waive_view, name="charge_waive"),
]
