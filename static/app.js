// Conveniences only: every page works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A form shown again with errors: move focus to its summary so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
  // Buttons that destroy something ask once more.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
});
