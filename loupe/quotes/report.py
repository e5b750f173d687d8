"""The quote check as a self-contained HTML page a fact-checker can send to an editor.

One file, no script, no fonts or images from anywhere: the styles are inline
and everything shown is escaped, so it opens the same on an air-gapped
laptop, in a mail client or from a shared drive. Each quote gets its verdict,
its listed edits or differences, a side-by-side diff (the quote as printed
on the left, the archive's words on the right), and where the words come
from: the matched message and the earliest one holding them, with who said
them there.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from html import escape
from typing import Any

VERDICT_ORDER = ("verbatim", "faithful edit", "altered", "not found")

_STYLE = """
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232a; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; margin: 0; }
.summary span { display: inline-block; margin-right: 1rem; }
.quote { border: 1px solid #d5dae0; border-radius: 6px; padding: 1rem 1.2rem; margin: 1.2rem 0; }
.verdict { font-weight: 600; padding: .1rem .5rem; border-radius: 4px; font-size: .9rem; }
.verbatim { background: #dff3e4; color: #135a2a; } .faithful-edit { background: #e3eefb; color: #163f73; }
.altered { background: #fde8cc; color: #7a3d00; } .not-found { background: #f9dada; color: #7c1515; }
blockquote { margin: .6rem 0; padding-left: .8rem; border-left: 3px solid #c4ccd4; }
table.diff { width: 100%; border-collapse: collapse; margin: .6rem 0; table-layout: fixed; }
table.diff td, table.diff th { border: 1px solid #e2e6ea; padding: .3rem .5rem; vertical-align: top; }
table.diff th { background: #f4f6f8; text-align: left; font-weight: 600; }
tr.insert td.q, tr.replace td.q { background: #fff1d6; } tr.delete td.o, tr.replace td.o { background: #fff1d6; }
tr.edit td { background: #eaf2fc; } .muted { color: #5c6670; font-size: .9rem; }
dl { display: grid; grid-template-columns: 9rem 1fr; gap: .15rem .8rem; margin: .6rem 0; }
dt { color: #5c6670; } dd { margin: 0; } code { font-size: .9em; }
"""


def render_html(checks: list[dict[str, Any]], title: str, case_name: str) -> str:
    """The whole report; ``checks`` are ``QuoteCheck.as_dict()`` values."""
    counts = Counter(c["verdict"] for c in checks)
    summary = "".join(f"<span>{escape(v)}: <b>{counts.get(v, 0)}</b></span>" for v in VERDICT_ORDER)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(_quote(c) for c in checks) or "<p>No quotations found in the article.</p>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Quote check: {escape(title)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>Quote check: {escape(title)}</h1>
<p class="muted">{len(checks)} quotations checked against the case {escape(case_name)} on {made}, by Loupe.
Verbatim: the words as in the mail. Faithful edit: only brackets, ellipses, [sic], capitals and emphasis
notes, each listed. Altered: words changed outside brackets. Not found: no message holds the words.</p>
<p class="summary">{summary}</p>
{body}
</body></html>
"""


def _quote(check: dict[str, Any]) -> str:
    verdict = check["verdict"]
    parts = [
        f'<section class="quote" id="q{check["number"]}">',
        f'<h2>Quote {check["number"]} <span class="verdict {verdict.replace(" ", "-")}">{escape(verdict)}</span>'
        f' <span class="muted">score {check["score"]:.2f}</span></h2>',
        f"<blockquote>{escape(check['quote'])}</blockquote>",
    ]
    if check["context"]:
        parts.append(f'<p class="muted">In the article: {escape(check["context"])}</p>')
    if check["edits"]:
        items = "".join(
            f"<li>{escape(e['kind'])}: <code>{escape(e['quoted'])}</code> "
            f"for <code>{escape(e['original'] or '—')}</code></li>"
            for e in check["edits"]
        )
        parts.append(f"<p>Editorial marks:</p><ul>{items}</ul>")
    if check["differences"]:
        items = "".join(
            f"<li>{escape(d['kind'])}: printed <code>{escape(d['quoted'] or '—')}</code>, the mail says "
            f"<code>{escape(d['original'] or '—')}</code></li>"
            for d in check["differences"]
        )
        parts.append(f"<p>Changed words:</p><ul>{items}</ul>")
    for note in check.get("notes", []):
        parts.append(f'<p class="muted">{escape(note)}</p>')
    if check.get("ops"):
        parts.append(_diff(check["ops"]))
    if check["match"]:
        parts.append(_where("Found in", check["match"]))
    if check["origin"] and check["origin"]["message"] != (check["match"] or {}).get("message"):
        parts.append(_where("First said in", check["origin"]))
    elif check["origin"]:
        parts.append('<p class="muted">This is also the earliest message holding these words.</p>')
    if check["copies"]:
        parts.append(f'<p class="muted">Also in {len(check["copies"])} other messages: '
                     f"{escape(', '.join(check['copies'][:12]))}</p>")  # fmt: skip
    if check["nearest"]:
        near = "".join(f"<li><code>{escape(n['message'])}</code> score {n['score']:.2f}</li>" for n in check["nearest"])
        parts.append(f"<p>Nearest candidates (none close enough):</p><ul>{near}</ul>")
    if check.get("closest_in_meaning"):
        close = "".join(
            f"<li><code>{escape(c['message'])}</code> closeness {c['cosine']:.2f}: "
            f"<q>{escape(c['passage'][:300])}</q></li>"
            for c in check["closest_in_meaning"]
        )
        parts.append(
            "<p><strong>Closest in meaning (other words, not the quoted words):</strong> "
            f"where a paraphrase may come from.</p><ul>{close}</ul>"
        )
    parts.append("</section>")
    return "\n".join(parts)


def _diff(ops: list[dict[str, str]]) -> str:
    rows = "".join(
        f'<tr class="{escape(op["tag"])}"><td class="q">{escape(op["quoted"])}</td>'
        f'<td class="o">{escape(op["original"])}</td></tr>'
        for op in ops
    )
    return f'<table class="diff"><tr><th>As printed</th><th>In the mail</th></tr>{rows}</table>'


def _how(how: str) -> str:
    return "" if how == "sender" else f" ({escape(how)})"


def _where(label: str, place: dict[str, Any]) -> str:
    fields = [
        ("message", f"<code>{escape(place['message'])}</code>"),
        ("date", escape(place["date"] or "undated")),
        ("from", escape(place["from"])),
        ("subject", escape(place["subject"])),
        (
            "said by",
            escape(place["said_by"] or "") + (f" ({escape(place['how'])})" if place["how"] != "sender" else ""),
        ),
    ]
    if place["list"]:
        fields.append(("list", escape(place["list"])))
    if place["source"]:
        fields.append(("coded source", escape(place["source"])))
    if place["thread"]:
        fields.append(("thread", f"<code>{escape(place['thread'])}</code>"))
    items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in fields)
    return f"<p><b>{escape(label)}</b></p><dl>{items}</dl>"
