// People pickers: a <select data-picker="placeholder"> gets a search box just above it. Typing
// narrows the options to the names containing what was typed (ignoring case and full-width
// forms) and, in a one-person select, picks the first match, so a name is found by typing a
// few letters, on a phone as at a desk. Without JavaScript the plain select remains.
(function () {
  "use strict";

  function fold(text) {
    return (text.normalize ? text.normalize("NFKC") : text).toLowerCase().trim();
  }

  function enhance(select) {
    if (select.dataset.pickerReady) { return; }
    select.dataset.pickerReady = "1";
    var options = Array.prototype.slice.call(select.options);
    var box = document.createElement("input");
    box.type = "search";
    box.className = "picker-search";
    box.autocomplete = "off";
    box.placeholder = select.getAttribute("data-picker") || "";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id);
    if (select.id) { box.id = select.id + "-search"; }
    select.parentNode.insertBefore(box, select);

    box.addEventListener("input", function () {
      var needle = fold(box.value);
      var chosen = select.multiple ? null : select.value;
      var matches = options.filter(function (o) {
        return o.value !== "" && (!needle || fold(o.text).indexOf(needle) !== -1);
      });
      var kept = options.filter(function (o) {
        return o.value === "" || matches.indexOf(o) !== -1 || (select.multiple && o.selected);
      });
      while (select.options.length) { select.remove(0); }
      kept.forEach(function (o) { select.add(o); });
      if (select.multiple) { return; }
      var stillThere = kept.some(function (o) { return o.value === chosen && o.value !== ""; });
      if (needle && matches.length && !matches.some(function (o) { return o.value === chosen; })) {
        select.value = matches[0].value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (stillThere || !needle) {
        select.value = chosen;
      }
    });
    // Enter in the box chooses, it does not send the form half-filled.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
  }

  function enhanceAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-picker]"), enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  // Forms htmx brings in later (a panel swapped in) get theirs too.
  document.addEventListener("htmx:load", function (event) { enhanceAll(event.target); });
})();
