// Confirms an irreversible action in a <dialog> before its form is sent (club/core/confirm.py).
// A form with data-confirm="what will happen" and data-confirm-action="the verb" is held
// back; the dialog in base.html shows the consequence; confirming adds confirmed=1 and
// sends the form again, with the button that was pressed (htmx sees it as usual). Without
// this script the server asks on a page of its own instead.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    var confirmed = form.querySelector("input[name=confirmed]");
    if (confirmed && confirmed.value === "1") return;
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return; // the server asks instead
    var submitter = event.submitter || null;
    var only = form.getAttribute("data-confirm-when"); // confirm only for this button value
    if (only && !(submitter && submitter.value === only)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var title = dialog.querySelector("[data-confirm-title]");
    title.textContent = form.getAttribute("data-confirm-title") || title.getAttribute("data-default");
    dialog.querySelector("[data-confirm-consequence]").textContent = form.getAttribute("data-confirm");
    var go = dialog.querySelector("[data-confirm-go]");
    go.textContent = form.getAttribute("data-confirm-action") || go.getAttribute("data-default");
    dialog.returnValue = "";
    dialog.onclose = function () {
      dialog.onclose = null;
      if (dialog.returnValue !== "go") return;
      if (!confirmed) {
        confirmed = document.createElement("input");
        confirmed.type = "hidden";
        confirmed.name = "confirmed";
        form.appendChild(confirmed);
      }
      confirmed.value = "1";
      if (submitter) form.requestSubmit(submitter); else form.requestSubmit();
      // A form htmx keeps on the page asks again next time.
      setTimeout(function () { confirmed.value = "0"; }, 0);
    };
    dialog.showModal();
  }, true);
})();
