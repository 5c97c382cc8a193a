// Shows a ratio's percentage as the clerk types (no library, works offline).
(function () {
  "use strict";
  var locale = document.documentElement.lang === "en" ? "en-GB" : "vi-VN";
  function num(input) {
    if (!input || input.value.trim() === "" || !/^\d+$/.test(input.value.trim())) { return null; }
    return parseInt(input.value.trim(), 10);
  }
  function field(target, name) {
    return document.querySelector('[data-target="' + target + '"][data-field="' + name + '"]');
  }
  function update(out) {
    var target = out.getAttribute("data-ratio-for");
    var n, d;
    if (out.hasAttribute("data-rating")) {
      var e = num(field(target, "rating_excellent")), g = num(field(target, "rating_good")),
          c = num(field(target, "rating_completed")), x = num(field(target, "rating_not_completed"));
      if ([e, g, c, x].some(function (v) { return v === null; })) { out.textContent = "–"; return; }
      n = e + g; d = e + g + c + x;
    } else {
      n = num(field(target, "numerator")); d = num(field(target, "denominator"));
    }
    if (n === null || d === null || d === 0) { out.textContent = "–"; return; }
    var pct = n * 100 / d;
    out.textContent = n.toLocaleString(locale) + "/" + d.toLocaleString(locale) + " = " +
      pct.toLocaleString(locale, { maximumFractionDigits: 1 }) + "%";
    out.classList.toggle("text-danger", n > d);
  }
  document.querySelectorAll("[data-ratio-for]").forEach(function (out) {
    var target = out.getAttribute("data-ratio-for");
    document.querySelectorAll('[data-target="' + target + '"]').forEach(function (input) {
      input.addEventListener("input", function () { update(out); });
    });
    update(out);
  });
})();
