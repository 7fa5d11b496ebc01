// The search page: filters behind a button on a phone, and a place to sort by distance from ("near me" from
// the browser's location, an address from the register's suggestions, or the map's centre).
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  if (!form) { return; }
  var toggle = document.getElementById("filters-toggle");
  if (toggle) {
    if (!form.classList.contains("collapsed")) { toggle.setAttribute("aria-expanded", "true"); }
    toggle.addEventListener("click", function () {
      var open = form.classList.toggle("collapsed") === false;
      toggle.setAttribute("aria-expanded", String(open));
      if (open) { form.querySelector("input, select").focus(); }
    });
  }

  var near = document.getElementById("id_near");
  var radius = document.getElementById("id_radius_km");
  var sort = document.getElementById("id_sort");
  var status = document.getElementById("near-status");
  var place = document.getElementById("near-place");
  var labels = window.sessionStorage;
  if (near && near.value && place && !place.value && labels) {
    place.value = labels.getItem("epty-near:" + near.value) || "";
  }

  function setPlace(lat, lon, label, submit) {
    near.value = lat.toFixed(6) + "," + lon.toFixed(6);
    near.disabled = false;
    radius.disabled = false;
    if (labels && label) { labels.setItem("epty-near:" + near.value, label); }
    if (place) { place.value = label || ""; }
    if (sort) { sort.value = "distance"; }
    if (submit) { form.submit(); }
  }

  var meButton = document.getElementById("near-me");
  if (meButton) {
    if (!navigator.geolocation) { meButton.hidden = true; }
    meButton.addEventListener("click", function () {
      status.textContent = meButton.dataset.finding || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        setPlace(position.coords.latitude, position.coords.longitude, meButton.textContent.trim(), true);
      }, function () {
        status.textContent = meButton.dataset.denied || "Your location is not available.";
      }, { timeout: 10000, maximumAge: 600000 });
    });
  }

  if (window.eptySuggest && place) {
    window.eptySuggest(place, document.getElementById("near-suggestions"), function (s) {
      setPlace(s.lat, s.lon, s.text + ", " + s.town, true);
    });
  }

  var centre = document.getElementById("near-map-centre");
  if (centre) {
    centre.addEventListener("click", function () {
      if (!window.eptyMap) { return; }
      var c = window.eptyMap.getCenter();
      setPlace(c.lat, c.lng, centre.dataset.label || "", true);
    });
  }

  var clear = document.getElementById("near-clear");
  if (clear) {
    clear.addEventListener("click", function (event) {
      event.preventDefault();
      near.value = ""; near.disabled = true; radius.disabled = true;
      if (sort && sort.value === "distance") { sort.value = "-estimate"; }
      form.submit();
    });
  }

  // Choosing "Distance" without a place: ask for one instead of sending a search that cannot be sorted.
  if (sort) {
    form.addEventListener("submit", function (event) {
      if (sort.value === "distance" && (!near.value || near.disabled)) {
        event.preventDefault();
        status.textContent = status.dataset.needPlace || "";
        var fieldset = document.getElementById("location");
        if (fieldset) { fieldset.scrollIntoView({ block: "center" }); }
        if (place) { place.focus(); }
      }
    });
  }
})();
