// Draws every Plotly figure on the page: <div data-chart="ID"> with its JSON in <script id="ID">.
// A point whose customdata is a local URL opens it on click (the dashboards' drill-downs).
// Runs on load and again after htmx swaps a fragment that holds charts.
(function () {
  function draw(root) {
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source || !window.Plotly) { return; }
      var figure = JSON.parse(source.textContent);
      // A figure may carry its own config (the board pack's are static: no toolbar, no hover).
      window.Plotly.react(el, figure.data, figure.layout, Object.assign({
        displaylogo: false, responsive: true,
        toImageButtonOptions: { format: "png", filename: el.dataset.chart },
      }, figure.config || {}));
      // Drill-down: a point whose customdata is a local URL opens the list behind it.
      if (!el.dataset.drillBound) {
        el.dataset.drillBound = "1";
        el.on("plotly_click", function (data) {
          var target = data.points && data.points[0] && data.points[0].customdata;
          if (Array.isArray(target)) { target = target[target.length - 1]; }  // extra hover data first, URL last
          if (typeof target === "string" && target.charAt(0) === "/") { window.location.assign(target); }
        });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
