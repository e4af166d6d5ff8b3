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
