/* The query UI: YASGUI with the graph's example queries as tabs (kgraph/web/ui.py). */
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  var config = JSON.parse(document.getElementById("yasgui-config").textContent);
  if (!holder || typeof Yasgui === "undefined") {
    return; /* the page already says to run `npm ci` */
  }

  /* Tabs are kept in the browser between visits; a new set of examples starts afresh. */
  function hash(text) {
    var h = 0;
    for (var i = 0; i < text.length; i++) {
      h = (h * 31 + text.charCodeAt(i)) | 0;
    }
    return (h >>> 0).toString(36);
  }
  var persistenceId = "kgraph-" + hash(JSON.stringify([config.endpoint, config.tabs, "truncate"]));

  var yasgui = new Yasgui(holder, {
    /* truncate=yes: past the endpoint's row limit, show the first rows and the notice below
       rather than an error (without it, the endpoint never cuts an answer). */
    requestConfig: { endpoint: config.endpoint, method: "POST", args: [{ name: "truncate", value: "yes" }] },
    copyEndpointOnNewTab: true,
    autoAddOnInit: config.tabs.length === 0,
    persistenceId: persistenceId,
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: config.endpoint }];
      },
    },
    yasqe: { value: config.newTab },
  });

  var hadTabs = Object.keys(yasgui._tabs).length > 0;
  var first = null;
  config.tabs.forEach(function (example) {
    if (!yasgui.tabNameTaken(example.name)) {
      /* The first example opens when the browser had no tabs kept from a visit before. */
      var tab = yasgui.addTab(first === null && !hadTabs, {
        name: example.name,
        yasqe: { value: example.query },
        requestConfig: { endpoint: config.endpoint, args: [{ name: "truncate", value: "yes" }] },
      });
      first = first || tab;
    }
  });
  /* Long titles are cut short on the tab; the whole title shows on hover. */
  function titleTabs() {
    holder.querySelectorAll(".tabsList .tab a[role=tab]").forEach(function (link) {
      var name = link.querySelector("span");
      if (name) {
        link.title = name.textContent;
      }
    });
  }
  titleTabs();
  yasgui.on("tabAdd", function () { setTimeout(titleTabs, 0); });

  /* The list of examples under the editor opens their tabs. */
  document.querySelectorAll("[data-example-tab]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var wanted = link.getAttribute("data-example-tab");
      var tab = yasgui.tabNameTaken(wanted);
      if (tab) {
        event.preventDefault();
        yasgui.selectTabId(tab.getId());
        holder.scrollIntoView({ behavior: "smooth" });
      }
    });
  });
  /* An answer cut at the endpoint's row limit says so in a header (Kgraph-Result-Truncated:
     rows=N); the notice above the editor says it to the reader, for the tab that asked. */
  var notice = document.getElementById("result-notice");
  var cutRows = {};
  var watched = typeof WeakSet === "function" ? new WeakSet() : null;
  function showNotice(tabId) {
    if (!notice) {
      return;
    }
    var rows = cutRows[tabId];
    notice.hidden = !rows;
    if (rows) {
      notice.querySelector("[data-rows]").textContent = rows;
    }
  }
  yasgui.on("query", function (instance, tab) {
    var yasqe = tab.getYasqe();
    var tabId = tab.getId();
    delete cutRows[tabId];
    showNotice(tabId);
    if (!yasqe || !watched || watched.has(yasqe)) {
      return;
    }
    watched.add(yasqe);
    yasqe.on("queryResponse", function (editor, response) {
      var header = response && response.headers && response.headers.get("Kgraph-Result-Truncated");
      var match = header && /rows=(\d+)/.exec(header);
      cutRows[tabId] = match ? match[1] : null;
      if (yasgui.getTab() === tab) {
        showNotice(tabId);
      }
    });
  });
  yasgui.on("tabSelect", function (instance, tabId) { showNotice(tabId); });
  window.kgraphYasgui = yasgui;
})();
