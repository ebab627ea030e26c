/* apcli site search: reads window.APCLI_INDEX (assets/search-index.js) and lists the activities,
   bodies and pillars whose ref, texts (both languages) or bodies hold every word typed, ignoring
   case and diacritics. Results are built with textContent only: no index text becomes markup. */
(function () {
  "use strict";
  var box = document.getElementById("site-q"), root = document.getElementById("search"),
      list = document.getElementById("results"), status = document.getElementById("search-status");
  var data = window.APCLI_INDEX;
  if (!box || !root || !list || !status || !data || !"".normalize) return;
  var en = root.getAttribute("data-lang") === "en";
  function fold(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  var hay = data.map(function (d) { return fold(d.slice(2).join(" ")); });
  function show(text) {
    var words = fold(text).split(/\s+/).filter(Boolean), shown = 0;
    list.textContent = "";
    if (!words.length) { status.textContent = ""; return; }
    data.forEach(function (d, i) {
      if (shown >= 100 || !words.every(function (w) { return hay[i].indexOf(w) >= 0; })) return;
      var li = document.createElement("li"), a = document.createElement("a"), b = document.createElement("b");
      a.href = d[1];
      b.textContent = d[2];
      a.appendChild(b);
      a.appendChild(document.createTextNode(" " + ((en && d[4]) || d[3])));
      li.appendChild(a);
      list.appendChild(li);
      shown += 1;
    });
    status.textContent = shown ? root.getAttribute("data-found").replace("%d", String(shown))
                               : root.getAttribute("data-none");
  }
  var params = new URLSearchParams(window.location.search);
  box.value = params.get("q") || "";
  show(box.value);
  box.addEventListener("input", function () { show(box.value); });
})();
