/* Diagrams drawn by Cytoscape.js from the JSON the page carries (kgraph/diagram.py). */
(function () {
  "use strict";
  var STYLE = [
    { selector: "node", style: {
      "label": "data(label)", "font-size": 11, "text-wrap": "wrap", "text-max-width": 120,
      "text-valign": "bottom", "text-margin-y": 4, "background-color": "#7a8fa6",
      "width": 18, "height": 18, "color": "#1d2733" } },
    { selector: "node[kind = 'focus']", style: {
      "background-color": "#d9822b", "width": 28, "height": 28, "font-weight": "bold" } },
    { selector: "node[kind = 'class']", style: { "background-color": "#2f6fa8", "shape": "round-rectangle" } },
    { selector: "node[kind = 'external']", style: { "background-color": "#9aa5b1", "shape": "round-rectangle" } },
    { selector: "node[kind = 'datatype']", style: { "background-color": "#4c9a61", "shape": "tag" } },
    { selector: "edge", style: {
      "label": "data(label)", "font-size": 9, "color": "#4a5866", "curve-style": "bezier",
      "target-arrow-shape": "triangle", "width": 1.2, "line-color": "#a9b4bf",
      "target-arrow-color": "#a9b4bf", "text-rotation": "autorotate", "text-background-color": "#fff",
      "text-background-opacity": 0.8, "text-background-padding": 1, "min-zoomed-font-size": 7 } },
    { selector: "edge[kind = 'subclass']", style: {
      "line-style": "dashed", "target-arrow-shape": "triangle-backcurve", "label": "" } },
  ];

  function draw(box) {
    var data = JSON.parse(document.getElementById(box.dataset.elements).textContent);
    var elements = data.elements;
    if (typeof cytoscape === "undefined") {
      box.textContent = "The diagram library is not installed: run `npm ci` in the kgraph checkout.";
      return;
    }
    if (!elements.nodes.length) {
      box.textContent = "Nothing to draw.";
      return;
    }
    var cy = cytoscape({
      container: box,
      elements: elements,
      style: STYLE,
      layout: elements.nodes.length > 30
        ? { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 120000; },
            idealEdgeLength: function () { return 70; }, nodeOverlap: 40, gravity: 0.5,
            componentSpacing: 120, numIter: 3000, nodeDimensionsIncludeLabels: true }
        : { name: "concentric", animate: false, minNodeSpacing: 70,
            concentric: function (node) { return node.data("kind") === "focus" ? 2 : 1; },
            levelWidth: function () { return 1; } },
    });
    /* A small neighbourhood is not blown up to fill the box. */
    if (cy.zoom() > 1.1) {
      cy.zoom(1.1);
      cy.center();
    }
    cy.on("tap", "node", function (event) {
      var href = event.target.data("href");
      if (href && event.target.data("kind") !== "focus") {
        window.location.href = href;
      }
    });
    box.kgraphDiagram = cy;
  }

  document.querySelectorAll(".diagram[data-elements]").forEach(draw);
})();
