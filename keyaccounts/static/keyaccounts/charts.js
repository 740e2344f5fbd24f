// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID">, with Chart.js
// (static/vendor/chart.umd.min.js). The same numbers are in the table next to each chart.
(function () {
  "use strict";
  // Red and green mean the same on every chart: a gain (won, new) and a loss (lost, churned).
  // Other series take the neutral colours, in order.
  var tones = { gain: "#1d7a46", loss: "#c7202f" };
  var palette = ["#1f5fbf", "#a86400", "#6b7280", "#7c3aed", "#0e7490"];
  // A chart whose spec has `links` (one URL per label) opens the deals behind a bar on a
  // click; the table next to it has the same links for keyboards and for no canvas.
  function barLinks(spec) {
    if (!spec.links) { return {}; }
    return {
      onClick: function (event, elements) {
        var link = elements.length ? spec.links[elements[0].index] : null;
        if (link) { window.location.assign(link); }
      },
      onHover: function (event, elements) {
        var canvas = event.native && event.native.target;
        if (canvas) { canvas.style.cursor = elements.length ? "pointer" : ""; }
      }
    };
  }
  // A series whose bars differ in meaning (ageing: not due, then overdue) names a tone per bar;
  // a bar without one takes the series' colour.
  function barColours(d, color) {
    if (!d.tones || !d.tones.length) { return color; }
    return d.tones.map(function (tone) { return tones[tone] || color; });
  }
  function draw() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var datasets = spec.datasets.map(function (d, i) {
        var color = tones[d.tone] || palette[i % palette.length];
        return { label: d.label, data: d.data, backgroundColor: barColours(d, color), borderColor: color,
                 fill: false, tension: 0.2 };
      });
      new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets },
        options: Object.assign({
          indexAxis: spec.horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          scales: { x: { stacked: spec.stacked }, y: { stacked: spec.stacked } }
        }, barLinks(spec))
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
