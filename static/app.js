// Conveniences only: every page works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A form shown again with errors: move focus to its summary so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
});
