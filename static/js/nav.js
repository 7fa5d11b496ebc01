// The site header. It keeps to one line: the account's links fold under "My account", and where even that line does
// not fit (a phone, or longer words on a narrower screen) the header turns compact, its menu behind a button.
// The language menu switches on change.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var header = document.getElementById("site-header");
  var toggle = document.getElementById("menu-toggle");
  var menu = document.getElementById("site-menu");
  var accountToggle = document.getElementById("account-menu-toggle");
  var account = document.getElementById("account-menu");

  function setOpen(button, panel, open) {
    button.setAttribute("aria-expanded", String(open));
    panel.classList.toggle("open", open);
  }

  // Whether the header's visible items sit on more than one line.
  function wraps() {
    var items = header.querySelectorAll(
      ".brand, .main-nav a, .personal-nav a, .account-menu-toggle, .account-links > a, .language select");
    var top = Infinity, bottom = -Infinity, tallest = 0;
    Array.prototype.forEach.call(items, function (item) {
      var box = item.getBoundingClientRect();
      if (!box.width && !box.height) { return; }  // folded away
      top = Math.min(top, box.top);
      bottom = Math.max(bottom, box.bottom);
      tallest = Math.max(tallest, box.height);
    });
    return bottom - top > tallest * 1.5;
  }

  function layout() {
    if (!header || !toggle || !menu) { return; }
    var wasCompact = header.classList.contains("compact");
    header.classList.remove("compact");
    var compact = window.matchMedia("(max-width: 900px)").matches || wraps();
    header.classList.toggle("compact", compact);
    if (compact !== wasCompact) {
      setOpen(toggle, menu, false);
      if (accountToggle && account) { setOpen(accountToggle, account, false); }
    }
  }

  if (toggle && menu) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      setOpen(toggle, menu, toggle.getAttribute("aria-expanded") !== "true");
    });
  }
  if (accountToggle && account) {
    accountToggle.hidden = false;
    accountToggle.addEventListener("click", function () {
      setOpen(accountToggle, account, accountToggle.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("click", function (event) {
      if (account.classList.contains("open") && !account.contains(event.target)) {
        setOpen(accountToggle, account, false);
      }
    });
    account.addEventListener("focusout", function (event) {  // tabbing past its last link closes it
      if (event.relatedTarget && !account.contains(event.relatedTarget)) { setOpen(accountToggle, account, false); }
    });
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    if (account && account.classList.contains("open")) {
      setOpen(accountToggle, account, false);
      accountToggle.focus();
    } else if (menu && menu.classList.contains("open")) {
      setOpen(toggle, menu, false);
      toggle.focus();
    }
  });
  layout();
  var pending = false;
  window.addEventListener("resize", function () {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; layout(); });
  });

  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Forms and buttons marked data-confirm ask once more before a destructive step.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
