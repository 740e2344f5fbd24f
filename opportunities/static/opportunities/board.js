// The pipeline board's drag and drop. Every card also has a plain button form (the keyboard
// way); dropping a card on a column submits that same form with the column's stage, so the
// server runs the transition (or opens the gate review of a gated stage).
(function () {
  "use strict";
  var board = document.getElementById("pipeline-board");
  if (!board) { return; }
  var dragged = null;

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest(".item[draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    board.querySelectorAll(".drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  board.addEventListener("dragover", function (event) {
    var column = event.target.closest(".column");
    if (!dragged || !column || column.contains(dragged)) { return; }
    event.preventDefault();
    column.classList.add("drop-target");
  });
  board.addEventListener("dragleave", function (event) {
    var column = event.target.closest(".column");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest(".column");
    if (!dragged || !column || column.contains(dragged)) { return; }
    event.preventDefault();
    var form = dragged.querySelector("form.move-form");
    if (!form) { return; }
    var stage = form.querySelector("input[name=stage]");
    if (!stage) {
      stage = document.createElement("input");
      stage.type = "hidden";
      stage.name = "stage";
      form.appendChild(stage);
    }
    stage.value = column.getAttribute("data-stage");
    var live = document.getElementById("board-live");
    if (live) { live.textContent = column.querySelector("h3 span").textContent; }
    form.submit();
  });
})();
