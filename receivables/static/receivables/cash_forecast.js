// Draws each <canvas data-chart="ID"> of the cash-in forecast from the JSON in
// <script id="ID"> with Chart.js (static/vendor/chart.umd.min.js); no inline script (CSP).
// The same figures are in the table under each chart.
(function () {
  "use strict";
  var colours = ["#1f5fbf", "#9ca3af", "#9ca3af", "#a86400"];
  function draw() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      new window.Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (d, i) {
            return { label: d.label, data: d.data, borderColor: colours[i % colours.length],
                     backgroundColor: colours[i % colours.length], borderDash: d.dash ? [4, 4] : [],
                     fill: false, tension: 0.2, pointRadius: 2 };
          })
        },
        options: { responsive: true, maintainAspectRatio: false, animation: false }
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
