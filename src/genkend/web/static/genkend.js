// genkend: the little script the pages need beyond htmx. No inline script anywhere:
// the Content-Security-Policy allows only files served from /static.
(function () {
  "use strict";
  // A confirmation before a form marked data-confirm is sent (decisions, merges, erasure).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
