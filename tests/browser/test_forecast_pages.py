"""In headless Chromium: a risk alert leads to a call on the call list, and the forecast charts draw."""

import pytest
from playwright.sync_api import expect

from dunning.models import PhoneTask, PhoneTaskSource, PhoneTaskStatus
from payt.tenancy import tenant_context
from tests.conftest import PASSWORD
from tests.forecasting import conftest as forecasting_fixtures
from tests.forecasting import test_scoring

pytestmark = pytest.mark.browser

# The scored organisation of the forecasting tests: a pooled model, a paid history and open invoices.
trained_outcome = forecasting_fixtures.trained_outcome
scored_alfa = test_scoring.scored_alfa


def _log_in(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")


def test_risk_alert_call_button_puts_the_call_on_the_list(page, live_server, org_alfa, bob, scored_alfa):
    _log_in(page, live_server, bob)
    page.get_by_role("link", name="Risks").click()

    alert = page.locator('tr.risk-alert[data-invoice="A-5"]')
    expect(alert).to_contain_text("The debtor disputes this invoice.")
    expect(alert).to_contain_text("Call the debtor before the next reminder goes out.")
    alert.get_by_role("button", name="Call").click()

    expect(page.locator('tr.risk-alert[data-invoice="A-5"] .on-call-list')).to_have_text("On the call list")
    with tenant_context(org_alfa):
        tasks = list(PhoneTask.objects.filter(source=PhoneTaskSource.RISK))
    assert [(task.invoice_id, task.status) for task in tasks] == [(scored_alfa["not_due"].pk, PhoneTaskStatus.OPEN)]
    page.locator('tr.risk-alert[data-invoice="A-5"] .on-call-list').click()
    expect(page.locator('tr[data-invoice="A-5"]').first).to_be_visible()


def test_forecast_charts_draw_on_their_canvases(page, live_server, bob, scored_alfa):
    _log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/forecasts/")

    for canvas in ("aging-chart", "cash-in-chart"):
        expect(page.locator(f"#{canvas}")).to_be_visible()
        drawn = page.evaluate(
            "(id) => { const chart = Chart.getChart(id); return chart ? chart.data.labels.length : -1; }", canvas
        )
        assert drawn >= 0, f"no chart on {canvas}"
        box = page.locator(f"#{canvas}").bounding_box()
        assert box["width"] > 100 and box["height"] > 50
    # The scored invoices fall before the on-time chart's months (it starts six months before today),
    # so that chart is replaced by its empty state.
    expect(page.locator("#no-on-time")).to_be_visible()
    assert page.locator("#on-time-chart").count() == 0
    assert page.evaluate("Chart.getChart('cash-in-chart').data.labels.length") == 13
    assert page.evaluate("Chart.getChart('aging-chart').data.labels.length") == 12
    assert page.evaluate("Chart.getChart('aging-chart').data.datasets.length") == 5
    assert page.evaluate("Chart.getChart('aging-chart').options.scales.y.stacked") is True
    expect(page.locator("#aging-history-table tbody tr")).to_have_count(12)



def test_forecast_chart_numbers_follow_dutch_locale(page, live_server, bob, scored_alfa):
    _log_in(page, live_server, bob)
    page.goto(f"{live_server.url}/forecasts/")
    page.click("#language-nl")
    expect(page.locator("html")).to_have_attribute("lang", "nl")

    for canvas in ("aging-chart", "cash-in-chart"):
        assert page.evaluate("(id) => Chart.getChart(id).options.locale", canvas) == "nl"
    # The y-axis tick formatter of Chart.js, given ticks from 0 to 160,000.
    label = page.evaluate(
        "() => { const scale = Chart.getChart('aging-chart').scales.y;"
        " return Chart.Ticks.formatters.numeric.call(scale, 160000, 1, [{value: 0}, {value: 160000}]); }"
    )
    assert label == "160.000"
