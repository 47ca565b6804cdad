// "Already asked?": while a new thread's title is typed, threads that look like it (here and on
// partner instances) are listed above the form. Without script, the preview shows the same list.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var region = document.getElementById("similar");
  var input = document.getElementById("title");
  if (!region || !input || !window.fetch) {
    return;
  }
  var d = region.dataset;
  var numbers = new Intl.NumberFormat(d.lang);
  var dates = new Intl.DateTimeFormat(d.lang, { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  var timer = null;
  var asked = "";

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }

  function replies(n) {
    if (n === 0) { return d.replies0; }
    if (n === 1) { return d.replies1; }
    // The catalogue's words for 2, with the number written as the page's language does.
    return d.replies2.replace("2", numbers.format(n));
  }

  // A partner's thread has no id here: it opens through the lookup that fetches it.
  function href(hit) {
    return hit.id ? "/t/" + hit.id : "/groups/find?q=" + encodeURIComponent(hit.ap_id);
  }

  function item(hit) {
    var li = el("li");
    var a = el("a", hit.title);
    a.href = href(hit);
    li.appendChild(a);
    var meta = [];
    var p = el("p", "", "meta");
    if (hit.group) { meta.push(d["in"] + " " + hit.group.title); }
    if (hit.author && hit.author.agency) { meta.push(hit.author.agency); }
    meta.push(hit.instance, replies(hit.replies));
    p.textContent = meta.join(" · ") + " · ";
    var when = new Date(hit.created_at + "Z");
    var time = el("time", isNaN(when) ? "" : dates.format(when));
    time.dateTime = hit.created_at;
    p.appendChild(time);
    li.appendChild(p);
    return li;
  }

  function show(threads) {
    region.textContent = "";
    if (!threads.length) { return; }
    var section = el("section", "", "similar-list");
    section.setAttribute("aria-labelledby", "similar-title");
    var h2 = el("h2", d.title);
    h2.id = "similar-title";
    section.appendChild(h2);
    section.appendChild(el("p", d.hint, "hint"));
    var ul = el("ul", "", "plain");
    threads.forEach(function (hit) { ul.appendChild(item(hit)); });
    section.appendChild(ul);
    region.appendChild(section);
  }

  function ask() {
    var title = input.value.trim();
    if (title.length < 3 || title === asked) { return; }
    asked = title;
    fetch("/api/v1/search/similar?scope=network&title=" + encodeURIComponent(title), {
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (res) { return res.ok ? res.json() : { threads: [] }; })
      // An answer to an older title is dropped: only the latest counts.
      .then(function (body) { if (asked === title) { show(body.threads || []); } })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
});
