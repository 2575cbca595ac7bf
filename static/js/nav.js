// The header's dropdowns are <details>: they work without this file. It only makes them behave like menus:
// one open at a time, closed by Escape (focus back on its summary) or by a click anywhere else.
(function () {
  "use strict";
  function menus() { return document.querySelectorAll("header.site-header details.dropdown"); }
  document.addEventListener("toggle", function (event) {
    var opened = event.target;
    if (!(opened instanceof HTMLDetailsElement) || !opened.open || !opened.closest("header.site-header")) return;
    menus().forEach(function (other) { if (other !== opened) other.open = false; });
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus().forEach(function (menu) {
      if (menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });
  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) { if (menu.open && !menu.contains(event.target)) menu.open = false; });
  });
})();
