// On a phone, tables become stacked cards (static/css/app.css): each cell is labelled with its
// column's heading, which this copies into data-label where the template did not set one.
(function () {
  "use strict";
  document.querySelectorAll("main table").forEach(function (table) {
    var heads = table.querySelectorAll("thead tr:last-child th");
    if (!heads.length) { return; }
    var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      Array.prototype.forEach.call(tr.children, function (cell, i) {
        if (!cell.hasAttribute("data-label") && names[i] && i > 0) { cell.setAttribute("data-label", names[i]); }
      });
    });
  });
})();
