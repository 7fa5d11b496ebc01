// Draws the markers embedded in the page on a Leaflet map with Kartverket's open tiles,
// and lets the user restrict the search to the visible map area.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  var markers = JSON.parse(document.getElementById(element.dataset.markersId).textContent);
  var map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer("https://cache.kartverket.no/v1/wmts/1.0.0/topo/default/webmercator/{z}/{y}/{x}.png", {
    maxZoom: 18,
    attribution: '&copy; <a href="https://www.kartverket.no/">Kartverket</a>'
  }).addTo(map);
  var layer = L.featureGroup().addTo(map);
  markers.forEach(function (m) {
    var marker = L.marker([m.lat, m.lon], { title: m.title, alt: m.title });
    var link = document.createElement("a");
    link.href = "/properties/" + m.id + "/";
    link.textContent = m.title;
    marker.bindPopup(link);
    marker.addTo(layer);
  });
  if (markers.length) {
    map.fitBounds(layer.getBounds(), { maxZoom: 14, padding: [20, 20] });
  } else {
    map.setView([64.5, 12.0], 4);  // all of Norway
  }
  element.dataset.markerCount = String(markers.length);

  var areaButton = document.getElementById("search-area");
  var form = document.getElementById("search-form");
  if (areaButton && form) {
    areaButton.addEventListener("click", function () {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
      document.getElementById("id_bbox").value = bbox.join(",");
      form.submit();
    });
  }
})();
