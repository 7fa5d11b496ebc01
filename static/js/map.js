// The map: Kartverket's open tiles with a message when they cannot load. On the search page it shows every
// match of the current filters, not one page: the server aggregates them into grid cells per zoom level
// (GET /api/v1/properties/map), drawn as clusters that split as you zoom in, and single properties with a
// popup card at street level. Elsewhere (a property's page) it draws the markers embedded in the page.
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || typeof L === "undefined") { return; }
  var markers = JSON.parse(document.getElementById(element.dataset.markersId).textContent);
  var map = L.map(element, { scrollWheelZoom: false });
  window.eptyMap = map;
  var tiles = L.tileLayer("https://cache.kartverket.no/v1/wmts/1.0.0/topo/default/webmercator/{z}/{y}/{x}.png", {
    maxZoom: 18,
    attribution: '&copy; <a href="https://www.kartverket.no/">Kartverket</a>'
  }).addTo(map);

  // A clear message when the tiles cannot load (offline, blocked, Kartverket down); gone once one loads.
  var tileErrors = 0;
  var message = null;
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (message || tileErrors < 2) { return; }
    message = document.createElement("p");
    message.className = "map-message";
    message.id = "map-tiles-failed";
    message.setAttribute("role", "status");
    message.textContent = element.dataset.tilesFailed  // translated by the page (data-tiles-failed);
    element.appendChild(message);
  });
  tiles.on("tileload", function () {
    if (message) { message.remove(); message = null; }
    tileErrors = 0;
  });

  var layer = L.featureGroup().addTo(map);
  var cellsUrl = element.dataset.clustersUrl;
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var loggedIn = element.dataset.heartUrl !== undefined;
  var savedIds = new Set(JSON.parse((document.getElementById("saved-ids") || { textContent: "[]" }).textContent));

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function text(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    node.textContent = content;
    return node;
  }

  function card(p) {
    var box = document.createElement("div");
    box.className = "popup-card";
    if (loggedIn) {
      var form = document.createElement("form");
      form.className = "heart-form";
      form.method = "post";
      form.action = element.dataset.heartUrl.replace("0", String(p.id));
      var token = document.createElement("input");
      token.type = "hidden"; token.name = "csrfmiddlewaretoken"; token.value = csrfToken();
      form.appendChild(token);
      var saved = savedIds.has(p.id);
      var button = text("button", "heart" + (saved ? " saved" : ""), saved ? "\u2665" : "\u2661");
      button.type = "submit";
      button.dataset.property = String(p.id);
      button.setAttribute("aria-pressed", saved ? "true" : "false");
      button.setAttribute("aria-label", element.dataset.heartLabel || "Save");
      form.appendChild(button);
      box.appendChild(form);
    }
    if (p.cover_photo) {
      var photoLink = document.createElement("a");
      photoLink.href = "/properties/" + p.id + "/";
      photoLink.tabIndex = -1;
      photoLink.setAttribute("aria-hidden", "true");
      var photo = document.createElement("img");
      photo.className = "cover";
      photo.src = p.cover_photo;
      photo.alt = "";
      photo.width = 240;
      photoLink.appendChild(photo);
      box.appendChild(photoLink);
    }
    var link = text("a", "title", p.title);
    link.href = "/properties/" + p.id + "/";
    box.appendChild(link);
    var facts = [p.category_label, p.municipality_name];
    if (p.usable_area) { facts.push(format.format(p.usable_area) + " m\u00b2"); }
    box.appendChild(text("span", "meta", facts.filter(Boolean).join(" \u00b7 ")));
    if (p.estimate) {
      var estimate = format.format(p.estimate) + " kr";
      if (p.estimate_per_m2) { estimate += " (" + format.format(p.estimate_per_m2) + " kr/m\u00b2)"; }
      box.appendChild(text("div", "estimate", estimate));
    }
    return box;
  }

  function clusterIcon(count) {
    var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 44 : 52;
    return L.divIcon({
      html: "<span>" + format.format(count) + "</span>", className: "cluster-icon",
      iconSize: [size, size]
    });
  }

  function draw(body) {
    layer.clearLayers();
    var points = {};
    (body.points || []).forEach(function (p) { points[p.id] = p; });
    body.clusters.forEach(function (c) {
      var marker;
      if (c.count === 1) {
        var p = points[c.id];
        marker = L.marker([c.lat, c.lon], { title: p ? p.title : "", alt: p ? p.title : "", keyboard: true });
        if (p) {
          marker.bindPopup(card(p));
        } else {
          marker.on("click", function () { map.setView([c.lat, c.lon], Math.max(map.getZoom() + 3, 15)); });
        }
      } else {
        var label = format.format(c.count) + " " + (element.dataset.countLabel || "");
        marker = L.marker([c.lat, c.lon], { icon: clusterIcon(c.count), title: label, alt: label, keyboard: true });
        marker.on("click", function () { map.setView([c.lat, c.lon], Math.min(map.getZoom() + 2, 18)); });
      }
      marker.addTo(layer);
    });
    element.dataset.clusterCount = String(body.clusters.length);
    element.dataset.total = String(body.total);
    element.dataset.zoom = String(body.zoom);
    element.dispatchEvent(new CustomEvent("epty:cells", { detail: body }));
  }

  var latest = 0;
  function load() {
    var b = map.getBounds();
    var view = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -90), Math.min(b.getEast(), 180),
                Math.min(b.getNorth(), 90)].map(function (v) { return v.toFixed(5); }).join(",");
    var query = new URLSearchParams(element.dataset.query || "");
    query.delete("cursor"); query.delete("sort");
    query.set("zoom", String(map.getZoom()));
    query.set("view", view);
    var ticket = ++latest;
    fetch(cellsUrl + "?" + query.toString(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && ticket === latest) { draw(body); } })
      .catch(function () { /* the list below still shows the results */ });
  }

  if (cellsUrl) {
    // The search page: start on the page's results, then show every match in the view.
    if (markers.length) {
      var bounds = L.latLngBounds(markers.map(function (m) { return [m.lat, m.lon]; }));
      map.fitBounds(bounds, { maxZoom: 12, padding: [20, 20] });
    } else {
      map.setView([64.5, 12.0], 4);  // all of Norway
    }
    map.on("moveend", load);
    load();
  } else {
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
      map.setView([64.5, 12.0], 4);
    }
  }
  element.dataset.markerCount = String(markers.length);

  var areaButton = document.getElementById("search-area");
  var form = document.getElementById("search-form");
  if (areaButton && form) {
    areaButton.addEventListener("click", function () {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); });
      var field = document.getElementById("id_bbox");
      field.disabled = false;
      field.value = bbox.join(",");
      form.submit();
    });
  }
})();
