// Draws a report's chart with Chart.js (static/vendor/chart.umd.min.js) from the JSON in
// <script id="report-chart-data" type="application/json">; again after each htmx preview.
// The same numbers are in the table beside it, which works without JavaScript. On the
// builder, choosing another record type reloads the page with that type's choices.
(function () {
  "use strict";
  var charts = [];
  function draw() {
    if (!window.Chart) { return; }
    charts.forEach(function (c) { c.destroy(); });
    charts = [];
    document.querySelectorAll("[data-report-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-report-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var kind = spec.kind === "table" ? "bar" : spec.kind;
      charts.push(new window.Chart(canvas, {
        type: kind,
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (d) {
            return { label: d.label, data: d.data.map(function (v) { return v === null ? null : parseFloat(v); }) };
          })
        },
        options: { animation: false, responsive: true, maintainAspectRatio: false }
      }));
    });
  }
  function watchType() {
    var select = document.querySelector("#report-builder select[name=record_type]");
    if (!select) { return; }
    select.addEventListener("change", function () {
      var url = new URL(window.location.href);
      url.search = "?record_type=" + encodeURIComponent(select.value);
      window.location.assign(url.toString());
    });
  }
  function start() { draw(); watchType(); }
  document.addEventListener("htmx:afterSwap", draw);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
