"""A hostile email stays inert: sanitised HTML, nothing remote, downloads that never render.

The message (``tests/browser/hostile.eml``, hand-written) carries script
tags, event handlers, ``javascript:`` links, remote images, CSS that
fetches (``url()``, ``@import``, ``@font-face``), a form, meta refresh,
``base``, frames, objects, SVG script, a mutation-XSS attempt, and HTML and
SVG attachments with script. The browser test (``tests/browser``) shows the
same in Chromium; here the server's answers are checked directly.
"""

from __future__ import annotations

import doctest
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from loupe.case import Case
from loupe.ingest.pipeline import ingest
from loupe.web import charts, querytext
from loupe.web.app import create_app
from loupe.web.mailhtml import sanitise
from loupe.web.security import CSP, MAIL_FRAME_CSP

HOSTILE = Path(__file__).resolve().parent / "browser" / "hostile.eml"
FORBIDDEN = (
    "<script",
    "onerror",
    "onload",
    "javascript:",
    "evil.example",
    "<form",
    "<input",
    "<iframe",
    "<object",
    "<embed",
    "<base",
    "<meta http-equiv",
    "<link",
    "url(",
    "expression(",
    "@import",
    "<style>@",
    "<svg",
    "<math",
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Case, str]]:
    base = tmp_path_factory.mktemp("hostile")
    (base / "mail").mkdir()
    shutil.copy(HOSTILE, base / "mail" / "hostile.eml")
    case = Case.open(base / "case", create=True)
    ingest(case, [base / "mail"], workers=1)
    yield case, case.db.resolve("<hostile-1@hostile.example>")
    case.close()


@pytest.fixture(scope="module")
def client(hostile: tuple[Case, str]) -> TestClient:
    return TestClient(create_app(hostile[0], allowed_hosts=["testserver"]))


def test_text_view_escapes_everything(client: TestClient, hostile: tuple[Case, str]) -> None:
    _, mid = hostile
    response = client.get(f"/message/{mid}")
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CSP
    assert "&lt;script&gt;document.title=&#39;PWNED by text&#39;&lt;/script&gt;" in response.text
    assert "<script>" not in response.text


def test_html_view_is_a_sandboxed_frame_without_scripts(client: TestClient, hostile: tuple[Case, str]) -> None:
    _, mid = hostile
    html = client.get(f"/message/{mid}?view=html").text
    assert f'<iframe class="mail-html" src="/message/{mid}/body" sandbox=""' in html
    assert "allow-scripts" not in html and "allow-same-origin" not in html
    for remote in ("pixel.evil.example", "style.evil.example", "import.evil.example", "css.evil.example"):
        assert remote in html  # listed as blocked (as text), never loaded
    assert '<img src="http' not in html and "url(http" not in html


def test_the_frame_document_is_sanitised(client: TestClient, hostile: tuple[Case, str]) -> None:
    _, mid = hostile
    frame = client.get(f"/message/{mid}/body")
    assert frame.status_code == 200
    assert frame.headers["content-security-policy"] == MAIL_FRAME_CSP
    assert frame.headers["x-content-type-options"] == "nosniff"
    body = frame.text.split("<body>", 1)[1].lower()
    for bad in FORBIDDEN:
        assert bad not in body, bad
    assert "hostile-marker" in body
    assert "data:image/png;base64," in body  # the cid: image travels inside the page
    assert "<p>red text with a remote background</p>" in body  # a style naming a url is dropped whole


def test_api_lists_what_was_blocked_and_the_links(client: TestClient, hostile: tuple[Case, str]) -> None:
    _, mid = hostile
    data = client.get(f"/api/messages/{mid}/html").json()
    blocked = " ".join(data["blocked"])
    for host in ("refresh", "base", "link", "import", "css", "font", "script", "pixel", "style", "frame", "object"):
        assert f"{host}.evil.example" in blocked, host
    assert data["links"] == ["http://track.evil.example/click?id=42"]  # javascript: is not even a link
    assert "evil.example" not in data["html"]


def test_html_and_svg_attachments_download_and_never_render(client: TestClient, hostile: tuple[Case, str]) -> None:
    case, mid = hostile
    names = {a["filename"]: a["position"] for a in case.db.message(mid)["attachments"]}
    for name in ("invoice.html", "chart.svg"):
        response = client.get(f"/api/messages/{mid}/attachments/{names[name]}")
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert b"<script>" in response.content  # the evidence, byte for byte


def test_a_write_from_another_site_is_refused(client: TestClient, hostile: tuple[Case, str]) -> None:
    case, mid = hostile
    response = client.post(
        f"/message/{mid}/tags", data={"tag": "evil"}, headers={"Origin": "http://evil.example"}, follow_redirects=False
    )
    assert response.status_code == 403
    api = client.post(f"/api/messages/{mid}/tags", json={"add": ["evil"]}, headers={"Origin": "http://evil.example"})
    assert api.status_code == 403 and api.json()["kind"] == "Forbidden"
    assert "evil" not in case.db.tags_of(mid)
    same_site = client.post(f"/api/messages/{mid}/tags", json={"add": []}, headers={"Origin": "http://testserver"})
    assert same_site.status_code == 200
    # what browsers send: the site relation, and (under this app's no-referrer policy) Origin: null for its own forms
    own_form = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
    assert client.post(f"/api/messages/{mid}/tags", json={"add": []}, headers=own_form).status_code == 200
    for site in ("cross-site", "same-site"):
        marked = {"Origin": "null", "Sec-Fetch-Site": site}
        assert client.post(f"/api/messages/{mid}/tags", json={"add": ["evil"]}, headers=marked).status_code == 403
    assert "evil" not in case.db.tags_of(mid)


def test_another_host_name_is_refused(hostile: tuple[Case, str]) -> None:
    """DNS rebinding: a page at evil.example whose name points at 127.0.0.1 must not read the case."""
    app = create_app(hostile[0])  # the default: loopback names only
    response = TestClient(app, base_url="http://evil.example").get("/api/status")
    assert response.status_code == 400
    assert TestClient(app, base_url="http://127.0.0.1:8000").get("/api/status").status_code == 200


# -- the pure parts ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("html", "kept", "gone"),
    [
        ('<img src="https://x.example/a.gif">', "<img>", "x.example"),
        ('<a href="javascript:alert(1)">go</a>', "go", "javascript"),
        ('<p onclick="alert(1)">p</p>', "<p>p</p>", "onclick"),
        ('<p style="color: blue; position: fixed">p</p>', 'style="color:blue"', "fixed"),
        ('<p style="color: blue; background: url(//x.example/a)">p</p>', "<p>p</p>", "x.example"),
        ("<style>@import 'http://x.example/a.css';</style>ok", "ok", "@import"),
        ('<svg><a xlink:href="javascript:alert(1)">x</a></svg>', "", "javascript"),
        ('<img src="data:image/gif;base64,R0lGOD">', "data:image/gif", "onerror"),
        ('<img src="data:text/html;base64,PHNjcmlwdD4=">', "<img>", "text/html"),
    ],
)
def test_sanitise_cases(html: str, kept: str, gone: str) -> None:
    out = sanitise(html).html
    assert kept in out and gone not in out


def test_querytext_doctests_and_quoting() -> None:
    assert doctest.testmod(querytext).failed == 0
    assert querytext.clause("tag", "follow-up") == "tag:follow-up"
    assert querytext.clause("list", "a b") == 'list:"a b"'
    assert querytext.toggle('x list:"a b"', "list", "a b") == 'x -list:"a b"'
    assert querytext.toggle('x -list:"a b"', "list", "a b") == "x"
    assert querytext.toggle('x NOT list:"a b"', "list", "a b") == "x"  # as a user may type it
    assert querytext.mentioned('a -from:x@y.z NOT list:"a b"', "list") == [("a b", "exclude")]
    assert querytext.facet_field("senders") == "sender"
    assert querytext.facet_field("colours") is None


def test_histogram_scales_to_the_peak_and_fills_days() -> None:
    from loupe.search.facets import Timeline

    hg = charts.histogram(Timeline("day", [("2010-06-01", 4), ("2010-06-04", 2)], 1))
    assert [b.count for b in hg.bars] == [4, 0, 0, 2]
    assert hg.bars[0].height == pytest.approx(2 * hg.bars[3].height)
    assert hg.undated == 1 and hg.peak == 4
    empty = charts.histogram(Timeline("month", [], 0))
    assert empty.bars == [] and empty.ticks == []


def test_frame_policy_allows_no_load_at_all() -> None:
    directives = dict(
        part.strip().split(" ", 1) if " " in part.strip() else (part.strip(), "") for part in MAIL_FRAME_CSP.split(";")
    )
    assert directives["default-src"] == "'none'"
    assert directives["img-src"] == "data:"
    assert "sandbox" in directives and "script-src" not in directives
    assert "'unsafe-inline'" not in CSP and "http" not in CSP
