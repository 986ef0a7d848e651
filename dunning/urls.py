"""Dashboard pages of the dunning app, mounted at /dunning/."""

from django.urls import path

from dunning import views

app_name = "dunning"

urlpatterns = [
    path("calculators/", views.calculators, name="calculators"),
    path("calculators/collection-costs/", views.calculate_collection_costs, name="calculate_collection_costs"),
    path("calculators/interest/", views.calculate_interest, name="calculate_interest"),
    path("interest-rates/", views.interest_rates, name="interest_rates"),
    path("interest-rates/add/", views.interest_rate_create, name="interest_rate_create"),
    path("interest-rates/<uuid:rate_id>/", views.interest_rate_edit, name="interest_rate_edit"),
    path(
        "interest-rates/regimes/<uuid:regime_id>/day-count/",
        views.interest_regime_day_count,
        name="interest_regime_day_count",
    ),
]
