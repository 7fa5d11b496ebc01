// The property page's gallery: a thumbnail shows its photo in the large view instead of opening the file.
// Without JavaScript the thumbnails are plain links to the large files.
(function () {
  "use strict";
  var list = document.getElementById("gallery-thumbs");
  var main = document.getElementById("gallery-main");
  var mainLink = document.getElementById("gallery-main-link");
  if (!list || !main || !mainLink) { return; }
  list.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-medium]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    event.preventDefault();
    main.src = link.dataset.medium;
    main.alt = link.querySelector("img").alt;
    mainLink.href = link.href;
    list.querySelectorAll("a[aria-current]").forEach(function (a) { a.removeAttribute("aria-current"); });
    link.setAttribute("aria-current", "true");
  });
}());
