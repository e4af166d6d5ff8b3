// The admin after an action (issue 18): the page opens with focus on what it has to say, the error note
// before anything else, else the messages ("was changed successfully"), so a screen reader reads it and the
// next Tab goes on from there instead of from the top of the page.
(function () {
  "use strict";
  var messages = document.querySelector("ul.messagelist");
  if (messages) messages.setAttribute("role", "status");
  var target = document.querySelector(".errornote") || messages;
  if (!target || window.location.hash) return;
  target.setAttribute("tabindex", "-1");
  target.focus();
})();

// "Add another …" on an inline (issue 18): focus moves into the new row, its first field, and a status
// message says so; before, focus stayed on the link below the row and the next Tab left the inline.
(function () {
  "use strict";
  var status = null;

  function announce(text) {
    if (!status) {
      status = document.createElement("div");
      status.id = "inline-status";
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      document.body.appendChild(status);
    }
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  document.addEventListener("formset:added", function (event) {
    var row = event.target;
    if (!row || !row.querySelector) return;
    var field = row.querySelector(
      "select:not([disabled]), textarea:not([disabled]), input:not([type=hidden]):not([disabled])"
    );
    var group = row.closest(".inline-group");
    var heading = group && group.querySelector(".inline-heading");
    var rows = Array.prototype.filter.call(row.parentNode.children, function (el) {
      return (el.classList.contains("form-row") || el.classList.contains("inline-related")) &&
        !el.classList.contains("empty-form") && !el.classList.contains("add-row");
    }).length;
    var what = heading ? heading.textContent.trim() : "Row";
    var label = field && (field.getAttribute("aria-label") || (field.labels && field.labels[0] && field.labels[0].textContent.trim()));
    announce(what + ": row " + rows + " added" + (label ? "; focus is on its " + label.replace(/:$/, "") : "") + ".");
    if (field) field.focus();
  });
})();
