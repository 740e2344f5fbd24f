// Small behaviours the pages share; everything else is plain HTML forms and htmx.
(function () {
  "use strict";
  // Buttons with data-dialog="id" open that <dialog>; [data-close] closes the nearest one.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-dialog"));
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
        var first = dialog.querySelector("textarea, input:not([type=hidden]), select, button");
        if (first) { first.focus(); }
      }
      return;
    }
    var closer = event.target.closest("[data-close]");
    if (closer) {
      event.preventDefault();
      closer.closest("dialog").close();
    }
  });

  // A button with data-copy="id" copies that field's text (a feed address) to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.select();
    var done = function () { button.textContent = button.getAttribute("data-copied") || ""; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    }
  });

  // A <select data-submit-on-change> (the language switch) sends its form when changed.
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-submit-on-change]") && event.target.form) {
      event.target.form.submit();
    }
  });

  // Destructive and irreversible actions: every such form carries data-confirm="question".
  // A form inside a <dialog> is already the confirmation step (the dialog has its own Cancel).
  // Any other one asks in the shared confirmation dialog (#confirm-dialog in base.html) and is
  // sent only on "Confirm". Without JavaScript the form's required "I am sure" box asks.
  var pending = null;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute("data-confirm");
    if (!message || form.closest("dialog") || form.dataset.confirmed === "1") { return; }
    var dialog = document.getElementById("confirm-dialog");
    event.preventDefault();
    if (!dialog || !dialog.showModal) {
      if (window.confirm(message)) { form.dataset.confirmed = "1"; form.submit(); }
      return;
    }
    pending = { form: form, submitter: event.submitter || null };
    dialog.querySelector("[data-confirm-message]").textContent = message;
    dialog.showModal();
    dialog.querySelector("[data-confirm-cancel]").focus();
  });
  document.addEventListener("click", function (event) {
    var yes = event.target.closest("[data-confirm-yes]");
    if (!yes || !pending) { return; }
    event.preventDefault();
    var form = pending.form, submitter = pending.submitter;
    pending = null;
    yes.closest("dialog").close();
    form.dataset.confirmed = "1";
    if (form.requestSubmit) { form.requestSubmit(submitter || undefined); } else { form.submit(); }
  });
  document.addEventListener("close", function (event) {
    if (event.target.id === "confirm-dialog") { pending = null; }
  }, true);
})();

// Wide content scrolls inside its own box (issue 19): every list table is put in a scroll box;
// each scroll box (those and the boards) shades the edge that has more and, while it can
// scroll, shows a hint under it (its text, translated, is <html data-scroll-hint>).
(function () {
  "use strict";
  var hintText = document.documentElement.getAttribute("data-scroll-hint") || "";
  var observer = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { mark(entry.target); });
  }) : null;

  function wrap(element, className) {
    var box = document.createElement("div");
    box.className = className;
    element.parentNode.insertBefore(box, element);
    box.appendChild(element);
    return box;
  }

  function mark(scroller) {
    var cue = scroller.parentElement;
    var room = scroller.scrollWidth - scroller.clientWidth;
    var left = scroller.scrollLeft > 1, right = room - scroller.scrollLeft > 1;
    cue.classList.toggle("more-left", left);
    cue.classList.toggle("more-right", right);
    if (cue.nextElementSibling && cue.nextElementSibling.classList.contains("scroll-hint")) {
      cue.nextElementSibling.hidden = room <= 1;
    }
  }

  function watch(scroller) {
    if (scroller.parentElement.classList.contains("scroll-cue")) { return; }
    var cue = wrap(scroller, "scroll-cue");
    var hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.hidden = true;
    hint.textContent = hintText;
    cue.parentNode.insertBefore(hint, cue.nextSibling);
    scroller.addEventListener("scroll", function () { mark(scroller); }, { passive: true });
    if (observer) { observer.observe(scroller); }
    mark(scroller);
  }

  function boxUp(root) {
    root.querySelectorAll("table.list").forEach(function (table) {
      if (!table.parentElement.classList.contains("scroll-x")) { wrap(table, "scroll-x"); }
    });
    root.querySelectorAll(".scroll-x, .board").forEach(watch);
  }

  boxUp(document);
  document.addEventListener("htmx:afterSettle", function (event) { boxUp(event.target); });
})();
