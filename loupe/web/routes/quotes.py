"""The quote check page (``loupe quotes``) and corroboration (``loupe corroborate``), ``/quotes``.

Paste an article or upload its file (text, Markdown, HTML, .eml) and every
quotation in it is checked against the case, with links to the messages;
the same report can be downloaded as one self-contained HTML file to send
to an editor. Below it, a claim's independent origins: a GET form, so the
link to an answer can be shared.

An article's check takes as long as its quotations together (tenths of a
second each at a million messages), and a page that waits for all of them
shows nothing meanwhile. So ``/quotes/stream`` (what ``static/quotes.js``
posts the form to) answers at once with the quotations, then sends each
verdict as it is ready, one JSON line each (NDJSON); ``/api/quotes/stream``
does the same as data. Each quotation is checked in its own turn under the
case's lock, so other pages are served between two. Without JavaScript the
form posts to ``/quotes`` and the whole report comes back at the end, as
before.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from loupe.case import Case
from loupe.evidence.pack import PackSummary, write_quote_pack
from loupe.quotes import Quote, extract_quotes, load_article
from loupe.quotes.corroborate import CANDIDATES
from loupe.quotes.in_case import WORD_MISSES, check_quote, check_quotes, corroborate
from loupe.quotes.report import render_html
from loupe.web.openapi import BOOLEAN, INTEGER, NUMBER, STRING, Operation, Param, array, documented, nullable, obj
from loupe.web.render import api_json, base_path, page
from loupe.web.routes.packs import pack_name, send_pack, zipped_pack
from loupe.web.workbench import flag_param, int_param, json_body, run

NAV = ("Quote check", "/quotes")
#: An article larger than this is refused: a news story is tens of kilobytes, not megabytes.
MAX_ARTICLE_BYTES = 2_000_000


def checked_article(case: Case, data: bytes, name: str) -> dict[str, Any]:
    article = load_article(data, name)
    return {"title": article.title or name or "article", "checks": [c.as_dict() for c in check_quotes(case, article)]}


#: The most candidates a page or API call may ask to read by ``limit`` (``all`` has none): ~2.5 ms each.
MAX_READ_LIMIT = 100_000
#: NDJSON: one JSON object a line, each line sent as soon as it is made.
NDJSON = "application/x-ndjson"


def corroboration(case: Case, claim: str, lexical: bool = False, limit: int | None = CANDIDATES) -> dict[str, Any]:
    return corroborate(case, claim, lexical=lexical, limit=limit).as_dict()


def _lexical(request: Request) -> bool:
    """``?lexical=1``: by words only, as ``loupe corroborate --lexical``."""
    return request.query_params.get("lexical", "") in ("1", "true", "on")


def _read_limit(request: Request) -> int | None:
    """``?limit=N`` (as ``--limit``), or ``?all=1`` for none (as ``--all``)."""
    if flag_param(request, "all"):
        return None
    return int_param(request, "limit", CANDIDATES, high=MAX_READ_LIMIT)


def _one_check(case: Case, quote: Quote) -> dict[str, Any]:
    return check_quote(case, quote).as_dict()


async def checks_as_ready(request: Request, quotes: list[Quote]) -> AsyncIterator[dict[str, Any]]:
    """Each quotation's check as it is made, in the article's order: one turn of the case's lock each."""
    for quote in quotes:
        yield await run(request, _one_check, quote)


def _line(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")


def _listed(quotes: list[Quote]) -> list[dict[str, Any]]:
    return [{"number": q.number, "quote": q.text, "context": q.context} for q in quotes]


async def _article_from_form(request: Request) -> tuple[bytes, str]:
    form = await request.form(max_part_size=MAX_ARTICLE_BYTES)
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read()
        name = upload.filename
    else:
        data, name = str(form.get("article", "")).encode("utf-8"), ""
    if not data.strip():
        raise HTTPException(400, "paste an article or choose its file")
    if len(data) > MAX_ARTICLE_BYTES:
        raise HTTPException(400, f"the article is larger than {MAX_ARTICLE_BYTES // 1_000_000} MB")
    return data, name


async def quotes_page(request: Request) -> Response:
    claim = request.query_params.get("claim", "").strip()
    context: dict[str, Any] = {"claim": claim, "report": None, "article": "", "corroboration": None}
    if claim:
        context["corroboration"] = await run(request, corroboration, claim, _lexical(request), _read_limit(request))
    context["lexical"] = _lexical(request)
    return page(request, "quotes.html", context)


async def form_check(request: Request) -> Response:
    data, name = await _article_from_form(request)
    report = await run(request, checked_article, data, name)
    text = data.decode("utf-8", "replace") if not name else ""
    return page(request, "quotes.html", {"claim": "", "report": report, "article": text, "corroboration": None})


async def form_stream(request: Request) -> Response:
    """The form's article, checked one quotation at a time for ``static/quotes.js``: a first line with
    the page's list of quotations (``_quote_stream.html``), then one line a verdict, each with its
    place on the page (``_quote_check.html``), in the article's order."""
    data, name = await _article_from_form(request)
    article = load_article(data, name)
    quotes = extract_quotes(article)
    env = request.app.state.templates.env
    head = env.get_template("_quote_stream.html").render(
        title=article.title or name or "article", quotes=_listed(quotes)
    )
    one = env.get_template("_quote_check.html")
    base = base_path(request)

    async def lines() -> AsyncIterator[bytes]:
        yield _line({"count": len(quotes), "html": head})
        async for check in checks_as_ready(request, quotes):
            html = one.render(c=check, base=base)
            yield _line({"number": check["number"], "verdict": check["verdict"], "html": html})

    return StreamingResponse(lines(), media_type=NDJSON)


async def form_report(request: Request) -> Response:
    """The standalone HTML report, as a download (it carries its own inline styles: not for this app's frame)."""
    data, name = await _article_from_form(request)
    report = await run(request, checked_article, data, name)
    html = render_html(report["checks"], report["title"], request.app.state.workbench.case.root.name)
    headers = {"Content-Disposition": 'attachment; filename="quote-check.html"'}
    return Response(html, media_type="application/octet-stream", headers=headers)


async def form_pack(request: Request) -> Response:
    """The evidence pack of the messages the article's found quotes stand on, with the citations, as a zip."""
    data, name = await _article_from_form(request)
    return send_pack(*await run(request, _quote_pack, data, name))


def _quote_pack(case: Case, data: bytes, name: str) -> tuple[Path, Path, PackSummary]:
    article = load_article(data, name)
    title = article.title or name or "article"
    checks = check_quotes(case, article)
    return zipped_pack(pack_name(title), lambda folder: write_quote_pack(case, checks, title, folder))


PLACE = obj(
    message=STRING,
    message_id=nullable(STRING),
    date=nullable(STRING),
    **{"from": STRING},
    subject=STRING,
    list=STRING,
    thread=STRING,
    said_by=STRING,
    source=nullable(STRING),
    how=STRING,
    passage=STRING,
)
EDIT = obj(kind=STRING, quoted=STRING, original=STRING)
CHECK = obj(
    number=INTEGER,
    quote=STRING,
    context=STRING,
    verdict={"type": "string", "enum": ["verbatim", "faithful edit", "altered", "not found"]},
    score=NUMBER,
    edits=array(EDIT),
    differences=array(obj(quoted=STRING, original=STRING, kind=STRING)),
    notes=array(STRING),
    ops=array(obj(tag=STRING, quoted=STRING, original=STRING)),
    match=nullable(PLACE),
    origin=nullable(PLACE),
    copies=array(STRING),
    nearest=array(obj(message=STRING, message_id=nullable(STRING), thread=STRING, score=NUMBER)),
    closest_in_meaning=array(obj(message=STRING, cosine=NUMBER, passage=STRING)),
)
EVIDENCE = obj(
    message=STRING,
    message_id=nullable(STRING),
    thread=STRING,
    date=nullable(STRING),
    **{"from": STRING},
    subject=STRING,
    passage=STRING,
    score=NUMBER,
    meaning=nullable(NUMBER),
    found_by=STRING,
    stance=STRING,
    relation=STRING,
    speaker=STRING,
    list=STRING,
)
CORROBORATION = obj(
    claim=STRING,
    mode=STRING,
    independent_origins=INTEGER,
    supporting_messages=INTEGER,
    examined=INTEGER,
    limit=nullable(INTEGER),
    capped=BOOLEAN,
    words={"type": "object", "additionalProperties": NUMBER},
    origins=array(obj(origin=STRING, key=STRING, evidence=array(EVIDENCE))),
    contradictions=array(obj(origin=STRING, key=STRING, evidence=array(EVIDENCE))),
    questions=array(EVIDENCE),
)


ARTICLE_BODY = {
    "type": "object",
    "properties": {"article": STRING, "name": STRING},
    "required": ["article"],
    "description": "The article as text, Markdown, HTML or a whole .eml; name is a file-name hint.",
}
STREAM_HEAD = obj(title=STRING, quotes=array(obj(number=INTEGER, quote=STRING, context=STRING)))


async def _article_from_json(request: Request) -> tuple[bytes, str]:
    body = await json_body(request)
    article, name = body.get("article"), body.get("name", "")
    if not isinstance(article, str) or not article.strip() or not isinstance(name, str):
        raise HTTPException(400, "article must be a non-empty string (and name a string)")
    data = article.encode("utf-8")
    if len(data) > MAX_ARTICLE_BYTES:
        raise HTTPException(400, f"the article is larger than {MAX_ARTICLE_BYTES // 1_000_000} MB")
    return data, name


@documented(
    Operation(
        "Check every quotation of an article against the case: verdict, edits, differences, origin",
        "quotes",
        obj(title=STRING, checks=array(CHECK)),
        body=ARTICLE_BODY,
        errors=(400, 403),
    )
)
async def api_quotes(request: Request) -> Response:
    data, name = await _article_from_json(request)
    return api_json(await run(request, checked_article, data, name))


@documented(
    Operation(
        "Check an article's quotations, each answer sent as soon as it is ready (NDJSON)",
        "quotes",
        {"oneOf": [STREAM_HEAD, CHECK]},
        body=ARTICLE_BODY,
        errors=(400, 403),
        media_type=NDJSON,
        description="One JSON object a line: first the article's title and its quotations (number, quote, "
        "context), at once; then each quotation's check, as `/api/quotes` gives it, in the article's order, "
        "each as soon as it is made. A client can show the first verdict while the others are checked.",
    )
)
async def api_quotes_stream(request: Request) -> Response:
    data, name = await _article_from_json(request)
    article = load_article(data, name)
    quotes = extract_quotes(article)

    async def lines() -> AsyncIterator[bytes]:
        yield _line({"title": article.title or name or "article", "quotes": _listed(quotes)})
        async for check in checks_as_ready(request, quotes):
            yield _line(check)

    return StreamingResponse(lines(), media_type=NDJSON)


@documented(
    Operation(
        "How many independent origins say a claim, each with its evidence",
        "quotes",
        CORROBORATION,
        (
            Param(
                "claim",
                "query",
                "The claim, a sentence or a passage.",
                STRING,
                required=True,
                example="a gravel quarry near Monterrey launders money for the cartel",
            ),
            Param("lexical", "query", "1: by words only (no meaning), to compare.", STRING, example="1"),
            Param(
                "limit",
                "query",
                f"The most candidates by the claim's words read, the index's best first (default {CANDIDATES}, "
                f"at most {MAX_READ_LIMIT:,}). The answer's capped is true when this limit, not the support, "
                "ended the reading: more messages may say it.",
                INTEGER,
            ),
            Param(
                "all",
                "query",
                f"1: no limit; read until {WORD_MISSES} candidates in a row do not support the claim.",
                STRING,
            ),
        ),
        errors=(400,),
    )
)
async def api_corroborate(request: Request) -> Response:
    claim = request.query_params.get("claim", "").strip()
    if not claim:
        raise HTTPException(400, "claim is required")
    return api_json(await run(request, corroboration, claim, _lexical(request), _read_limit(request)))


ROUTES = [
    Route("/quotes", quotes_page, methods=["GET"], name="quotes"),
    Route("/quotes", form_check, methods=["POST"], name="form_quotes"),
    Route("/quotes/stream", form_stream, methods=["POST"], name="form_quotes_stream"),
    Route("/quotes/report", form_report, methods=["POST"], name="form_quotes_report"),
    Route("/quotes/pack", form_pack, methods=["POST"], name="form_quotes_pack"),
    Route("/api/quotes", api_quotes, methods=["POST"], name="api_quotes"),
    Route("/api/quotes/stream", api_quotes_stream, methods=["POST"], name="api_quotes_stream"),
    Route("/api/corroborate", api_corroborate, methods=["GET"], name="api_corroborate"),
]
