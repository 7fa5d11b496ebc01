// Heart buttons: toggle "saved" without a page reload. Without JavaScript the form posts normally.
(function () {
  if (window.eptyHearts) return;
  window.eptyHearts = true;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("heart-form") || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button.heart");
    button.disabled = true;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"X-Requested-With": "fetch", "Accept": "application/json"}
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    }).then(function (data) {
      document.querySelectorAll('button.heart[data-property="' + data.property + '"]').forEach(function (b) {
        b.classList.toggle("saved", data.saved);
        b.setAttribute("aria-pressed", data.saved ? "true" : "false");
        b.firstChild.nodeValue = data.saved ? "\u2665" : "\u2661";
      });
    }).catch(function () { form.submit(); }).finally(function () { button.disabled = false; });
  });
})();
