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

  // Ask before what cannot be undone (bulk cancel, removing a completion, cancelling).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.matches("[data-bulk]")) {
      var action = form.querySelector("select[name=action]");
      var n = document.querySelectorAll("input[name=ids]:checked").length;
      if (action && action.value === "cancel" && n &&
          !window.confirm("Cancel " + n + " enrollment(s)? Cancelled is final.")) {
        event.preventDefault();
      }
    }
  });
})();
