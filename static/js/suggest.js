// Address suggestions under the search box, from Kartverket's address register (through epty's cache).
// Choosing one opens its property, or searches around the address when epty has no property there.
(function () {
  "use strict";
  var input = document.querySelector("#search-form input[name=q]");
  var list = document.getElementById("address-suggestions");
  if (!input || !list || !window.fetch) { return; }
  var timer = null;
  var latest = 0;

  function clear() { list.innerHTML = ""; list.hidden = true; input.setAttribute("aria-expanded", "false"); }

  function choose(s) {
    if (s.property_id) {
      window.location.href = "/properties/" + s.property_id + "/";
      return;
    }
    var form = document.getElementById("search-form");
    var params = new URLSearchParams({ near: s.lat.toFixed(6) + "," + s.lon.toFixed(6), radius_km: "0.3", sort: "distance" });
    window.location.href = form.getAttribute("action") + "?" + params.toString();
  }

  function show(results) {
    list.innerHTML = "";
    results.forEach(function (s) {
      var item = document.createElement("li");
      item.setAttribute("role", "option");
      item.tabIndex = 0;
      item.textContent = s.text + ", " + s.postcode + " " + s.town + " (" + s.matrikkel_number + ")";
      item.dataset.propertyId = s.property_id || "";
      item.addEventListener("click", function () { choose(s); });
      item.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); choose(s); } });
      list.appendChild(item);
    });
    list.hidden = results.length === 0;
    input.setAttribute("aria-expanded", results.length ? "true" : "false");
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var text = input.value.trim();
    if (text.length < 3) { clear(); return; }
    timer = setTimeout(function () {
      var ticket = ++latest;
      fetch("/api/v1/addresses/suggest?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (body) { if (ticket === latest) { show(body.results || []); } })
        .catch(clear);
    }, 250);
  });
  input.addEventListener("keydown", function (e) { if (e.key === "Escape") { clear(); } });
})();
