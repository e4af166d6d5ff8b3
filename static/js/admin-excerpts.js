// Select to excerpt, on the reviewers' submission page: select a passage of an answer (mouse or keyboard),
// and a bar just below that answer offers its component (the answer's own, to change if need be) and
// one button per kind of excerpt. A button fills a new excerpt row (answer, passage, component, kind) and,
// if the component has no tag yet, a new tag row for it, whose grade is then focused. Nothing is saved
// until the page is: the rows go through the same form, rules and single save as rows typed by hand.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function element(node) {
    return node && (node.nodeType === 1 ? node : node.parentElement);
  }

  ready(function () {
    var template = document.getElementById("id_excerpts-__prefix__-component");
    var kinds = document.getElementById("id_excerpts-__prefix__-kind");
    // No coding on this page (withheld, withdrawn, or no answers): nothing to offer. (The inlines' "Add
    // another" links are made by Django's inlines.js, after this runs: they are looked up when used.)
    if (!template || !kinds || !document.querySelector(".codable[data-answer]")) return;

    var bar = document.createElement("div");
    bar.id = "excerpt-coder";
    bar.className = "excerpt-coder";
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", "Code the selected passage as an excerpt");
    bar.hidden = true;

    var quote = document.createElement("p");
    quote.className = "excerpt-coder-quote";
    bar.appendChild(quote);

    var label = document.createElement("label");
    label.htmlFor = "excerpt-coder-component";
    label.textContent = "Component";
    var component = template.cloneNode(true);
    component.id = "excerpt-coder-component";
    component.removeAttribute("name");
    component.removeAttribute("aria-label");
    component.removeAttribute("required");
    bar.appendChild(label);
    bar.appendChild(component);

    var group = document.createElement("div");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Add it as an excerpt of this kind");
    group.className = "excerpt-coder-kinds";
    Array.prototype.forEach.call(kinds.options, function (option) {
      if (!option.value) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.textContent = option.text;
      button.setAttribute("data-kind", option.value);
      group.appendChild(button);
    });
    bar.appendChild(group);

    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button";
    cancel.textContent = "Cancel";
    bar.appendChild(cancel);

    // Outside the bar, so what happened is still announced once the bar is hidden.
    var status = document.createElement("p");
    status.className = "excerpt-coder-status help";
    status.id = "excerpt-coder-status";
    status.setAttribute("role", "status");
    var excerpts = document.getElementById("excerpts-group");
    excerpts.parentNode.insertBefore(status, excerpts);
    document.body.appendChild(bar);

    var chosen = null;

    function capture(event) {
      if (event && bar.contains(event.target)) return; // a press in the bar itself
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed) return;
      var text = selection.toString().replace(/\s+/g, " ").trim();
      var start = element(selection.anchorNode);
      var end = element(selection.focusNode);
      var source = start && start.closest(".codable[data-answer]");
      if (!text || !source || !end || end.closest(".codable[data-answer]") !== source) return;
      chosen = { text: text, answer: source.getAttribute("data-answer") };
      if (source.getAttribute("data-component")) component.value = source.getAttribute("data-component");
      quote.textContent = "“" + (text.length > 160 ? text.slice(0, 157) + "…" : text) + "”";
      // Just below the answer, so it covers nothing (moved only when needed: moving it between a press and
      // its release would lose the click).
      if (bar.previousElementSibling !== source) source.insertAdjacentElement("afterend", bar);
      bar.hidden = false;
    }

    document.addEventListener("mouseup", capture);
    document.addEventListener("keyup", function (event) {
      if (event.shiftKey || event.key === "Shift") capture(event);
    });

    function addRow(prefix) {
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var index = parseInt(total.value, 10);
      document.querySelector("#" + prefix + "-group .add-row a").click(); // Django's inlines.js adds it
      var row = document.getElementById(prefix + "-" + index);
      if (row) row.classList.add("just-added");
      return prefix + "-" + index;
    }

    function set(row, name, value) {
      var field = document.getElementById("id_" + row + "-" + name);
      field.value = value;
      field.dispatchEvent(new Event("change", { bubbles: true }));
      return field;
    }

    function tagged(componentId) {
      return Array.prototype.some.call(document.querySelectorAll("#tags-group select[id$='-component']"), function (s) {
        var row = s.closest("tr");
        var removed = row && row.querySelector("input[id$='-DELETE']:checked");
        return s.id.indexOf("__prefix__") < 0 && s.value === componentId && !removed;
      });
    }

    function close() {
      bar.hidden = true;
      chosen = null;
      window.getSelection().removeAllRanges();
    }

    cancel.addEventListener("click", close);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !bar.hidden) close();
    });

    group.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-kind]");
      if (!button || !chosen || !component.value) {
        if (button && !component.value) component.focus();
        return;
      }
      var row = addRow("excerpts");
      set(row, "component", component.value);
      set(row, "kind", button.getAttribute("data-kind"));
      set(row, "answer", chosen.answer);
      set(row, "text", chosen.text);
      var name = component.options[component.selectedIndex].text;
      var message = "Excerpt added (" + button.textContent + ", " + name + "); it is saved when you save the page.";
      var next = null;
      if (document.getElementById("tags-empty") && !tagged(component.value)) {
        var tag = addRow("tags");
        set(tag, "component", component.value);
        next = document.getElementById("id_" + tag + "-grade");
        message += " A tag for " + name + " was added too: choose its grade.";
      }
      close();
      status.textContent = message;
      if (next) next.focus();
    });
  });
})();
