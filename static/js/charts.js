// Draws every Plotly figure on the page: <div data-chart="ID"> with its JSON in <script id="ID">.
// Runs on load and again after htmx swaps a fragment that holds charts.
(function () {
  function draw(root) {
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart);
      if (!source || !window.Plotly) { return; }
      var figure = JSON.parse(source.textContent);
      window.Plotly.react(el, figure.data, figure.layout, {
        displaylogo: false, responsive: true,
        toImageButtonOptions: { format: "png", filename: el.dataset.chart },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
