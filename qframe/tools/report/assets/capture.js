(function () {
  var errors = [];
  function record(message) {
    errors.push(String(message));
    var target = document.body || document.documentElement;
    target.setAttribute("data-errors", errors.join(" | "));
  }
  window.qframeErrors = errors;
  window.onerror = function (message, source, line, column) {
    record(message + " (" + (source || "page") + ":" + line + ":" + column + ")");
  };
  window.addEventListener("error", function (event) {
    var t = event.target;
    if (t && t !== window && (t.src || t.href)) { record("could not load " + (t.src || t.href)); }
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    record("unhandled rejection: " + (event.reason && event.reason.message || event.reason));
  });
  var consoleError = console.error;
  console.error = function () {
    record("console.error: " + Array.prototype.join.call(arguments, " "));
    return consoleError.apply(console, arguments);
  };
  window.qframeChartRendered = function (id) {
    var body = document.body;
    var n = parseInt(body.getAttribute("data-charts-rendered") || "0", 10) + 1;
    body.setAttribute("data-charts-rendered", String(n));
    var div = document.getElementById(id);
    if (div) { div.setAttribute("data-rendered", "1"); }
  };
})();
