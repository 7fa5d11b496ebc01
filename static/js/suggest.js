// Address suggestions from Kartverket's address register (through epty's cache, /api/v1/addresses/suggest).
// window.eptySuggest(input, list, choose) attaches them to any text box; the search box uses it to open a
// property (or search around an address epty has no property at), the "near a place" box to set the place.
(function () {
  "use strict";

  function attach(input, list, choose) {
    if (!input || !list || !window.fetch) { return; }
    var timer = null;
    var latest = 0;

    function clear() { list.innerHTML = ""; list.hidden = true; input.setAttribute("aria-expanded", "false"); }

    function pick(s) { clear(); choose(s); }

    function show(results) {
      list.innerHTML = "";
      results.forEach(function (s, i) {
        var item = document.createElement("li");
        item.setAttribute("role", "option");
        item.id = list.id + "-" + i;
        item.tabIndex = -1;
        item.textContent = s.text + ", " + s.postcode + " " + s.town + " (" + s.matrikkel_number + ")";
        item.dataset.propertyId = s.property_id || "";
        item.addEventListener("click", function () { pick(s); });
        item.addEventListener("keydown", function (e) {
          if (e.key === "Enter") { e.preventDefault(); pick(s); }
          if (e.key === "ArrowDown" && item.nextSibling) { e.preventDefault(); item.nextSibling.focus(); }
          if (e.key === "ArrowUp") { e.preventDefault(); (item.previousSibling || input).focus(); }
          if (e.key === "Escape") { clear(); input.focus(); }
        });
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
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { clear(); }
      if (e.key === "ArrowDown" && list.firstChild) { e.preventDefault(); list.firstChild.focus(); }
    });
  }

  window.eptySuggest = attach;

  var form = document.getElementById("search-form");
  attach(document.querySelector("#search-form input[name=q]"), document.getElementById("address-suggestions"),
    function (s) {
      if (s.property_id) {
        window.location.href = "/properties/" + s.property_id + "/";
        return;
      }
      var params = new URLSearchParams({ near: s.lat.toFixed(6) + "," + s.lon.toFixed(6), radius_km: "1", sort: "distance" });
      window.location.href = form.getAttribute("action") + "?" + params.toString();
    });
})();
