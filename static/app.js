// Conveniences only: every page works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // A form shown again with errors: move focus to its summary so screen readers announce it.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
  // Expertise suggestions as one types: the page's list holds the most common tags; this asks
  // the server for those that start with what was typed.
  document.querySelectorAll("input[data-suggest][list]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var asked = "";
    if (!list || !window.fetch) {
      return;
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var prefix = input.value.trim();
        if (prefix === "" || prefix === asked) {
          return;
        }
        asked = prefix;
        var url = input.dataset.suggest + "?limit=10&prefix=" + encodeURIComponent(prefix);
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (res) { return res.ok ? res.json() : []; })
          .then(function (tags) {
            if (asked !== prefix || tags.length === 0) {
              return;
            }
            list.replaceChildren.apply(list, tags.map(function (t) {
              var option = document.createElement("option");
              option.value = t.label;
              return option;
            }));
          })
          .catch(function () {});
      }, 200);
    });
  });
});
