// certtrack back-office: small progressive enhancements (every page works without them).
(function () {
  "use strict";

  // Sizes and colours computed by the server arrive as data attributes and are set
  // through the CSSOM: the CSP allows no style="" attribute.
  function applyDataStyles(root) {
    root.querySelectorAll("[data-height]").forEach(function (el) {
      el.style.height = el.getAttribute("data-height") + "%";
    });
    root.querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = el.getAttribute("data-width") + "%";
    });
    root.querySelectorAll("[data-hue]").forEach(function (el) {
      el.style.background = "hsl(" + el.getAttribute("data-hue") + ",50%,32%)";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    applyDataStyles(document);
  });
  document.addEventListener("htmx:load", function (event) {
    applyDataStyles(event.target);
  });

  function selectionCount(table) {
    var boxes = table.querySelectorAll("input[name=ids]");
    var checked = table.querySelectorAll("input[name=ids]:checked");
    var out = document.getElementById("selected-count");
    if (out) out.textContent = checked.length ? checked.length + " selected" : "";
    var all = table.querySelector("input[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && checked.length === boxes.length;
      all.indeterminate = checked.length > 0 && checked.length < boxes.length;
    }
    boxes.forEach(function (box) {
      box.closest("tr").classList.toggle("is-selected", box.checked);
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input[data-select-all]")) {
      var table = target.closest("table");
      table.querySelectorAll("input[name=ids]").forEach(function (box) {
        box.checked = target.checked;
      });
      selectionCount(table);
    } else if (target.matches("input[name=ids]")) {
      selectionCount(target.closest("table"));
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && dialog.showModal) {
        event.preventDefault();
        var show = function () {
          dialog.showModal();
          var first = dialog.querySelector("input[type=search], input, select");
          if (first) first.focus();
        };
        // A dialog with data-src loads its form the first time it opens.
        var src = dialog.getAttribute("data-src");
        if (src && !dialog.firstElementChild && window.htmx) {
          htmx.ajax("GET", src, { target: dialog, swap: "innerHTML" }).then(show);
        } else {
          show();
        }
      }
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) closer.closest("dialog").close();
  });

  // Ask before what cannot be undone (bulk cancel, removing a completion, a final action):
  // the page's own <dialog> (#confirm-dialog in base.html), not the browser's confirm().
  // Its buttons name the act; "Go back" has the focus, Escape is "Go back", and the focus
  // returns to the button that asked. Without JavaScript the form simply submits.
  var asked = null; // {form, submitter} while the dialog is open

  function ask(form, submitter, question, yes) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || !dialog.showModal) return false;
    dialog.querySelector("#confirm-question").textContent = question;
    dialog.querySelector("[data-confirm-answer=yes]").textContent = yes;
    asked = { form: form, submitter: submitter };
    dialog.showModal();
    dialog.querySelector("[data-confirm-answer=no]").focus();
    return true;
  }

  function question(form) {
    if (form.hasAttribute("data-confirm")) {
      return [form.getAttribute("data-confirm"), form.getAttribute("data-confirm-yes") || "Confirm"];
    }
    if (form.matches("[data-bulk]")) {
      var action = form.querySelector("select[name=action]");
      var n = document.querySelectorAll("input[name=ids]:checked").length;
      if (action && action.value === "cancel" && n) {
        var what = n === 1 ? "1 enrollment" : n + " enrollments";
        return ["Cancel " + what + "? Cancelled is final.", "Cancel " + what];
      }
    }
    return null;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-confirmed")) {
      form.removeAttribute("data-confirmed");
      return;
    }
    var q = question(form);
    if (q && ask(form, event.submitter, q[0], q[1])) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var answer = event.target.closest("[data-confirm-answer]");
    if (!answer || !asked) return;
    var dialog = answer.closest("dialog");
    var yes = answer.getAttribute("data-confirm-answer") === "yes";
    var form = asked.form, submitter = asked.submitter;
    dialog.close();
    if (yes) {
      form.setAttribute("data-confirmed", "");
      if (form.requestSubmit) form.requestSubmit(submitter || undefined);
      else form.submit();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog) return;
    // Escape or "Go back": nothing happens, the focus goes back where it was.
    dialog.addEventListener("close", function () {
      if (asked && !asked.form.hasAttribute("data-confirmed")) {
        var back = asked.submitter || asked.form.querySelector("[type=submit]");
        if (back) back.focus();
      }
      asked = null;
    });
  });
})();
