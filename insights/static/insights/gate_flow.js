// Draws the gate-flow diagram with ECharts (static/vendor/echarts/) from the JSON in
// <script id="gate-flow-data" type="application/json">: nodes placed by the server, arrows as
// a directed graph (loops and reversed stages included, which a sankey cannot show). The same
// numbers are in the tables on the page, which work without JavaScript.
(function () {
  "use strict";
  var tones = { forward: "#1f5fbf", reversed: "#a86400", rework: "#7c3aed",
                escalation: "#0e7490", lost: "#c7202f" };
  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-flow]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-flow"));
      if (!source) { return; }
      var spec = JSON.parse(source.textContent);
      var most = 1;
      spec.links.forEach(function (l) { most = Math.max(most, l.value); });
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        tooltip: { formatter: function (p) {
          return p.dataType === "edge" ? p.data.value + "" : p.name;
        } },
        series: [{
          type: "graph",
          layout: "none",
          roam: true,
          label: { show: true, position: "bottom", fontSize: 11 },
          edgeSymbol: ["none", "arrow"],
          edgeSymbolSize: 7,
          symbolSize: 14,
          data: spec.nodes,
          links: spec.links.map(function (l) {
            return { source: l.source, target: l.target, value: l.value,
                     lineStyle: { width: 1 + 7 * l.value / most, color: tones[l.kind] || tones.forward,
                                  curveness: l.kind === "forward" ? 0.05 : 0.3, opacity: 0.7 } };
          })
        }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
