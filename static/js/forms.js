// Forms of the submitter journey: a live word count under each answer with a limit, and a check before
// sending that the page is not larger than the site accepts (so nothing typed is lost to a refused save).
(function () {
  "use strict";

  function words(text) {
    var trimmed = text.trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }

  function counter(textarea) {
    var limit = parseInt(textarea.getAttribute("data-word-limit"), 10);
    if (!limit) return;
    var status = document.createElement("div");
    status.id = textarea.id + "-count";
    status.className = "form-text word-count";
    status.setAttribute("aria-live", "polite");
    var help = document.getElementById(textarea.id + "_helptext");
    (help || textarea).insertAdjacentElement("afterend", status);
    var described = (textarea.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(status.id);
    textarea.setAttribute("aria-describedby", described.join(" "));
    var update = function () {
      var left = limit - words(textarea.value);
      var over = left < 0;
      status.textContent = over
        ? "You have " + -left + (left === -1 ? " word" : " words") + " too many (the limit is " + limit + ")"
        : "You have " + left + (left === 1 ? " word" : " words") + " remaining";
      status.classList.toggle("text-danger", over);
      status.classList.toggle("fw-bold", over);
    };
    textarea.addEventListener("input", update);
    update();
  }

  function size(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.ceil(bytes / 1024) + " KB";
  }

  function sizeGuard(form) {
    var limit = parseInt(document.body.getAttribute("data-max-form-bytes"), 10);
    if (!limit || form.enctype === "multipart/form-data") return;
    form.addEventListener("submit", function (event) {
      var body = new URLSearchParams(new FormData(form)).toString();
      var bytes = new TextEncoder().encode(body).length;
      if (bytes <= limit) return;
      event.preventDefault();
      var box = document.getElementById("too-big") || document.createElement("div");
      box.id = "too-big";
      box.className = "alert alert-danger";
      box.setAttribute("role", "alert");
      box.tabIndex = -1;
      box.textContent =
        "This page is too large to save: about " + size(bytes) + ", and the most that can be sent at once is " +
        size(limit) + ". Nothing you typed has been lost: shorten the longest answer (the word counts show " +
        "which are over their limit) and save again.";
      form.insertAdjacentElement("beforebegin", box);
      box.focus();
    });
  }

  // After an action the page opens with focus on what it has to say: the error summary (or the notice that
  // someone else saved first) before anything else, else the message ("saved", "started"). A screen reader
  // reads it; the next Tab goes on from there, not from the top of the page.
  function focusFeedback() {
    var target = document.querySelector("#error-summary, #edit-conflict, #messages");
    if (target && !window.location.hash) target.focus();
  }

  document.querySelectorAll("textarea[data-word-limit]").forEach(counter);
  focusFeedback();
  document.querySelectorAll("form[method=post]").forEach(sizeGuard);
})();
