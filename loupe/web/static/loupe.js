/* Loupe: keyboard navigation. Every page works without this file; it only adds keys.
 *   /        focus the search box (Escape leaves it)
 *   j / k    next / previous result (search hits, table rows, messages of a thread)
 *   o, Enter open the selected result
 * Served from /static, never inline: the Content-Security-Policy forbids inline script. */
(function () {
  "use strict";
  var selected = -1;

  function results() {
    return Array.prototype.slice.call(document.querySelectorAll(".result"));
  }

  function typing(el) {
    return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function linkOf(item) {
    return item && (item.querySelector("a.result-link") || item.querySelector("a[href]"));
  }

  function select(index) {
    var items = results();
    if (!items.length) return;
    index = Math.max(0, Math.min(items.length - 1, index));
    if (selected >= 0 && items[selected]) items[selected].classList.remove("selected");
    selected = index;
    items[index].classList.add("selected");
    items[index].scrollIntoView({ block: "nearest" });
    var link = linkOf(items[index]);
    if (link) link.focus({ preventScroll: true });
  }

  function open() {
    var link = linkOf(results()[selected]);
    if (link) window.location.href = link.href;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    if (typing(active)) {
      if (event.key === "Escape") active.blur();
      return;
    }
    if (event.key === "/") {
      var box = document.getElementById("q");
      if (box) {
        event.preventDefault();
        box.focus();
        box.select();
      }
    } else if (event.key === "j") {
      event.preventDefault();
      select(selected + 1);
    } else if (event.key === "k") {
      event.preventDefault();
      select(selected < 0 ? 0 : selected - 1);
    } else if (event.key === "o" && selected >= 0) {
      event.preventDefault();
      open();
    } else if (event.key === "Enter" && selected >= 0 && (active === document.body || active === null)) {
      event.preventDefault();
      open();
    }
  });
})();
