/* Suggestions under the search box, from /search as JSON (kgraph/web/pages.py). */
(function () {
  "use strict";
  document.querySelectorAll("form.search").forEach(function (form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector(".suggestions");
    var lang = form.querySelector("input[name=lang]");
    var timer = null;
    var asked = "";
    if (!input || !list) {
      return;
    }
    function clear() {
      list.hidden = true;
      list.textContent = "";
    }
    function show(results) {
      list.textContent = "";
      results.forEach(function (r) {
        var item = document.createElement("li");
        /* A link only to this server or an http(s) address: never javascript: or data:. */
        var safe = typeof r.href === "string" && /^(https?:\/\/|\/(?![\/\\]))/i.test(r.href) &&
          !/[\u0000-\u0020\u007f-\u009f\\]/.test(r.href);
        var link = document.createElement(safe ? "a" : "span");
        if (safe) {
          link.href = r.href;
        }
        link.textContent = r.label; /* text, never HTML */
        if (r.lang) {
          link.lang = r.lang;
        }
        item.appendChild(link);
        if (r.matched !== r.label) {
          var note = document.createElement("small");
          note.textContent = " " + r.matched;
          item.appendChild(note);
        }
        list.appendChild(item);
      });
      list.hidden = results.length === 0;
    }
    function suggest() {
      var q = input.value.trim();
      if (q === asked) {
        return;
      }
      asked = q;
      if (!q) {
        clear();
        return;
      }
      var url = input.dataset.suggest + "?limit=8&q=" + encodeURIComponent(q);
      if (lang) {
        url += "&lang=" + encodeURIComponent(lang.value);
      }
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          if (asked === q) {
            show(data.results || []);
          }
        })
        .catch(clear);
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        clear();
      }
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) {
        clear();
      }
    });
  });
})();
