// Buttons marked data-print print the page (the Content-Security-Policy forbids onclick="...").
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
