/* Loupe: the quote check shows each quotation's verdict as soon as it is ready.
 *
 * Without this file the form posts to /quotes and the page comes back when every quotation is
 * checked (at a million messages, a few seconds for an article). With it, "Check the quotes" posts
 * the same form to /quotes/stream, which answers at once with the article's quotations, each
 * "checking…", then one line per verdict (NDJSON: {"html": ...} first, then {"number", "html"}),
 * each put in its quotation's place. When all have come the section becomes the finished report
 * (class quote-report). The report and evidence-pack buttons post as before: they are downloads.
 * Served from /static, never inline: the Content-Security-Policy forbids inline script. */
(function () {
  "use strict";
  var form = document.querySelector("form.quotes-form[data-stream]");
  if (!form || !window.fetch || !window.TextDecoder || !window.ReadableStream) return;

  function fragment(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html; // the server's own escaped template output
    return holder.content;
  }

  function status(section, text, failed) {
    var line = section && section.querySelector(".stream-status");
    if (!line) return;
    line.textContent = text;
    line.classList.toggle("failed", !!failed);
  }

  function start(html) {
    var old = document.getElementById("report");
    if (old) old.remove();
    form.after(fragment(html));
    return document.getElementById("report");
  }

  function place(section, message) {
    var pending = section.querySelector("#q" + message.number);
    if (pending) pending.replaceWith(fragment(message.html));
    var count = Number(section.dataset.count || 0);
    var done = section.querySelectorAll(".quote-check:not(.pending)").length;
    status(section, done + " of " + count + " quotations checked; the others follow as they are ready.");
  }

  function finish(section) {
    if (!section) return;
    var left = section.querySelectorAll(".quote-check.pending").length;
    if (left) {
      status(section, "The check stopped before " + left + " quotations were done. Check again to see them.", true);
      section.removeAttribute("aria-busy");
      return;
    }
    var line = section.querySelector(".stream-status");
    if (line) line.remove();
    section.removeAttribute("aria-busy");
    section.classList.remove("quote-stream");
    section.classList.add("quote-report");
  }

  function check(data, button) {
    var section = null;
    var buffer = "";
    var decoder = new TextDecoder();
    button.disabled = true;

    function handle(line) {
      if (!line.trim()) return;
      var message = JSON.parse(line);
      if (section === null) section = start(message.html);
      else place(section, message);
    }

    fetch(form.dataset.stream, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || !response.body) {
          form.submit(); // the classic post: the server's own page says what was wrong
          return null;
        }
        var reader = response.body.getReader();
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              handle(buffer + decoder.decode());
              finish(section);
              return null;
            }
            buffer += decoder.decode(chunk.value, { stream: true });
            var lines = buffer.split("\n");
            buffer = lines.pop();
            lines.forEach(handle);
            return pump();
          });
        }
        return pump();
      })
      .catch(function () {
        if (section) finish(section);
        else form.submit();
      })
      .then(function () {
        button.disabled = false;
      });
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter || document.getElementById("check-quotes");
    if (button && button.id !== "check-quotes") return; // the report and the pack: downloads, as before
    event.preventDefault();
    check(new FormData(form), button);
  });
})();
