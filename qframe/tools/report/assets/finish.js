(function () {
  var body = document.body;
  body.setAttribute("data-errors", (window.qframeErrors || []).join(" | "));
  body.setAttribute("data-page-ready", "1");
})();
