// Draws the forecast charts from the JSON the page carries (see dashboard/forecasts/_charts.html).
(function () {
  "use strict";

  function data(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function drawCashIn(labels, cash) {
    new Chart(document.getElementById("cash-in-chart"), {
      type: "line",
      data: {
        labels: cash.labels,
        datasets: [
          { label: labels.upper, data: cash.upper, borderWidth: 0, pointRadius: 0, fill: "+1",
            backgroundColor: "rgba(54, 112, 198, 0.2)" },
          { label: labels.lower, data: cash.lower, borderWidth: 0, pointRadius: 0, fill: false },
          { label: labels.expected, data: cash.expected, borderColor: "#3670c6", fill: false },
        ],
      },
      options: { animation: false, scales: { y: { beginAtZero: true } } },
    });
  }

  function drawOnTime(labels, share) {
    new Chart(document.getElementById("on-time-chart"), {
      type: "bar",
      data: {
        labels: share.labels,
        datasets: [
          { label: labels.forecast, data: share.forecast, backgroundColor: "#9bb7e0" },
          { label: labels.actual, data: share.actual, backgroundColor: "#2f7d4f" },
        ],
      },
      options: { animation: false, scales: { y: { beginAtZero: true, max: 100 } } },
    });
  }

  // Stacked bars of the open amounts per aging bucket, from not yet due (light) to over 90 days (dark red).
  var AGING_COLOURS = ["#9bb7e0", "#f2c94c", "#f2994a", "#d9534f", "#8b1e1e"];

  function drawAging(aging) {
    new Chart(document.getElementById("aging-chart"), {
      type: "bar",
      data: {
        labels: aging.labels,
        datasets: aging.buckets.map(function (bucket, index) {
          return { label: bucket.label, data: bucket.data, backgroundColor: AGING_COLOURS[index] };
        }),
      },
      options: {
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
      },
    });
  }

  function draw() {
    // Format axis and tooltip numbers in the page's language (Chart.js "locale" option), e.g. 160.000 in Dutch.
    Chart.defaults.locale = document.documentElement.lang || Chart.defaults.locale;
    var labels = data("chart-labels");
    var cash = data("cash-in-data");
    var share = data("on-time-data");
    if (cash) { drawCashIn(labels, cash); }
    if (share) { drawOnTime(labels, share); }
    var aging = data("aging-data");
    if (aging) { drawAging(aging); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
