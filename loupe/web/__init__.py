"""The web door: `loupe serve` puts the case in a browser, for reporters who never open a terminal.

Server-rendered pages (Jinja2) over one warm ``Case`` (a fresh process costs
~30 ms before its first query; a warm one answers a search page in
milliseconds), with a JSON API behind every page (``/api/...``, schema at
``/api/openapi.json``). Choices, and why:

- **No JavaScript framework, no CDN, no web fonts.** Every page works
  without script; one small hand-written file adds keyboard navigation. A
  reporter on an air-gapped laptop gets the same tool, and the
  Content-Security-Policy can forbid every remote load and inline script.
- **Mail HTML is never trusted.** It is sanitised with nh3, remote content
  is never loaded (a tracking pixel would tell the sender the leak is being
  read, and from where), and it is shown in a sandboxed frame without
  scripts, served from its own route under its own, stricter policy.
- **Views are thin.** Each page module gathers its data in one plain
  function over the case (the same function answers the API), calling the
  capability layer (``Case``, ``loupe.show``, the stores) as the CLI does.

Layout: ``app.py`` wires it up; ``security.py`` the headers and request
checks; ``render.py`` templates and JSON; ``openapi.py`` the schema;
``routes/`` one module per page; ``mailhtml.py`` sanitising; ``charts.py``
the timeline histogram; ``querytext.py`` facet clicks as query edits.
"""
