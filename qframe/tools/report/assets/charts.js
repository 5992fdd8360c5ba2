(function () {
  // Draws every chart of the page from its JSON spec, once plotly.js is there: unpacked from the
  // gzip-compressed copy embedded in the page (the page stays offline and a third of the size).
  var specs = Array.prototype.slice.call(document.querySelectorAll("script.chart-spec"));
  var config = {displaylogo: false, responsive: true};
  function plots() {
    return specs.map(function (node) { return document.getElementById(node.getAttribute("data-target")); })
      .filter(function (div) { return div && div.data; });
  }
  function draw() {
    specs.forEach(function (node) {
      var id = node.getAttribute("data-target");
      var div = document.getElementById(id);
      var fig = JSON.parse(node.textContent);
      Plotly.newPlot(div, fig.data, fig.layout, config).then(function () {
        window.qframeChartRendered(id);
      });
    });
  }
  // printed, each chart is redrawn at the width of the printed page
  function resize() { plots().forEach(function (div) { Plotly.Plots.resize(div); }); }
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  var packed = document.getElementById("plotly-js-gzip");
  if (!packed) { if (window.Plotly) { draw(); } return; }
  var text = atob(packed.textContent.trim());
  var bytes = new Uint8Array(text.length);
  for (var i = 0; i < text.length; i++) { bytes[i] = text.charCodeAt(i); }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function (code) {
    var script = document.createElement("script");
    script.textContent = code;
    document.head.appendChild(script);
    draw();
    document.body.setAttribute("data-charts-library", "1");
  }).catch(function (error) {
    console.error("the charts could not be drawn (this browser cannot unpack them): " + error);
  });
})();
