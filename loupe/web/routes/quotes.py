"""The quote check page (``loupe quotes``) and corroboration (``loupe corroborate``), ``/quotes``.

Paste an article or upload its file (text, Markdown, HTML, .eml) and every
quotation in it is checked against the case, with links to the messages;
the same report can be downloaded as one self-contained HTML file to send
to an editor. Below it, a claim's independent origins: a GET form, so the
link to an answer can be shared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loupe.case import Case
from loupe.evidence.pack import PackSummary, write_quote_pack
from loupe.quotes import load_article
from loupe.quotes.in_case import check_quotes, corroborate
from loupe.quotes.report import render_html
from loupe.web.openapi import INTEGER, NUMBER, STRING, Operation, Param, array, documented, nullable, obj
from loupe.web.render import api_json, page
from loupe.web.routes.packs import pack_name, send_pack, zipped_pack
from loupe.web.workbench import json_body, run

NAV = ("Quote check", "/quotes")
#: An article larger than this is refused: a news story is tens of kilobytes, not megabytes.
MAX_ARTICLE_BYTES = 2_000_000


def checked_article(case: Case, data: bytes, name: str) -> dict[str, Any]:
    article = load_article(data, name)
    return {"title": article.title or name or "article", "checks": [c.as_dict() for c in check_quotes(case, article)]}


def corroboration(case: Case, claim: str, lexical: bool = False) -> dict[str, Any]:
    return corroborate(case, claim, lexical=lexical).as_dict()


def _lexical(request: Request) -> bool:
    """``?lexical=1``: by words only, as ``loupe corroborate --lexical``."""
    return request.query_params.get("lexical", "") in ("1", "true", "on")


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
        context["corroboration"] = await run(request, corroboration, claim, _lexical(request))
    context["lexical"] = _lexical(request)
    return page(request, "quotes.html", context)


async def form_check(request: Request) -> Response:
    data, name = await _article_from_form(request)
    report = await run(request, checked_article, data, name)
    text = data.decode("utf-8", "replace") if not name else ""
    return page(request, "quotes.html", {"claim": "", "report": report, "article": text, "corroboration": None})


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
    words={"type": "object", "additionalProperties": NUMBER},
    origins=array(obj(origin=STRING, key=STRING, evidence=array(EVIDENCE))),
    contradictions=array(obj(origin=STRING, key=STRING, evidence=array(EVIDENCE))),
    questions=array(EVIDENCE),
)


@documented(
    Operation(
        "Check every quotation of an article against the case: verdict, edits, differences, origin",
        "quotes",
        obj(title=STRING, checks=array(CHECK)),
        body={
            "type": "object",
            "properties": {"article": STRING, "name": STRING},
            "required": ["article"],
            "description": "The article as text, Markdown, HTML or a whole .eml; name is a file-name hint.",
        },
        errors=(400, 403),
    )
)
async def api_quotes(request: Request) -> Response:
    body = await json_body(request)
    article, name = body.get("article"), body.get("name", "")
    if not isinstance(article, str) or not article.strip() or not isinstance(name, str):
        raise HTTPException(400, "article must be a non-empty string (and name a string)")
    data = article.encode("utf-8")
    if len(data) > MAX_ARTICLE_BYTES:
        raise HTTPException(400, f"the article is larger than {MAX_ARTICLE_BYTES // 1_000_000} MB")
    return api_json(await run(request, checked_article, data, name))


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
        ),
        errors=(400,),
    )
)
async def api_corroborate(request: Request) -> Response:
    claim = request.query_params.get("claim", "").strip()
    if not claim:
        raise HTTPException(400, "claim is required")
    return api_json(await run(request, corroboration, claim, _lexical(request)))


ROUTES = [
    Route("/quotes", quotes_page, methods=["GET"], name="quotes"),
    Route("/quotes", form_check, methods=["POST"], name="form_quotes"),
    Route("/quotes/report", form_report, methods=["POST"], name="form_quotes_report"),
    Route("/quotes/pack", form_pack, methods=["POST"], name="form_quotes_pack"),
    Route("/api/quotes", api_quotes, methods=["POST"], name="api_quotes"),
    Route("/api/corroborate", api_corroborate, methods=["GET"], name="api_corroborate"),
]
