"""A message's HTML body, made inert for display.

Mail HTML is hostile by default: scripts, event handlers, ``javascript:``
links, forms, meta refresh, and remote images and stylesheets that report
to the sender when (and from where) a message is read. What comes out:

- nh3 keeps a fixed list of tags and attributes; scripts, styles sheets,
  forms, frames, ``base`` and ``meta`` are gone; only harmless CSS
  properties of ``style`` attributes stay, and any style value naming a URL
  is dropped whole.
- **Nothing remote is ever loaded**, not even on request: those addresses
  are listed beside the message instead, so the reporter sees what the mail
  tried to fetch (itself evidence) without telling anyone. Images carried
  inside the message (``cid:``) are inlined as ``data:`` URIs.
- Links lose their target (the frame could otherwise be navigated away to
  a tracking URL with one click); their addresses are listed as text.

The result is shown in a frame sandboxed without scripts, under its own
policy that allows no load at all (``security.MAIL_FRAME_CSP``).

The message's HTML parts are read here from the original because the
parsed message keeps only their text (``ParsedMessage.body_text``); if
another capability comes to need them, this belongs in ``loupe.ingest.mime``.
"""

from __future__ import annotations

import base64
import email
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.message import Message

import nh3

from loupe.ingest.text import decode_bytes
from loupe.model import Attachment

#: CSS properties kept from ``style`` attributes: layout and type, nothing that fetches or overlays.
STYLE_PROPERTIES = frozenset(
    {
        *("color", "background-color", "font", "font-family", "font-size", "font-style", "font-weight"),
        *("line-height", "text-align", "text-decoration", "text-indent", "text-transform", "letter-spacing"),
        *("white-space", "vertical-align", "width", "max-width", "min-width", "height", "list-style-type"),
        *("margin", "margin-top", "margin-right", "margin-bottom", "margin-left"),
        *("padding", "padding-top", "padding-right", "padding-bottom", "padding-left"),
        *("border", "border-top", "border-right", "border-bottom", "border-left", "border-color", "border-style"),
        *("border-width", "border-collapse", "border-spacing", "border-radius"),
    }
)
TABLE_ATTRIBUTES = {"width", "bgcolor", "valign", "cellpadding", "cellspacing", "border", "height"}
#: Inline images larger than this in total stay out of the frame (listed as attachments all the same).
INLINE_IMAGE_BYTES = 5 * 1024 * 1024
_URL_IN_CSS = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+(?:url\()?\s*['"]?([^'")\s;]+)""", re.IGNORECASE)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"\s>]+)", re.IGNORECASE)
_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


@dataclass
class SafeHtml:
    html: str  # the sanitised fragment
    blocked: list[str] = field(default_factory=list)  # remote addresses it tried to load, never fetched
    links: list[str] = field(default_factory=list)  # link targets, not followed


def html_parts(raw: bytes) -> list[str]:
    """The text/html body parts of an Internet message (not HTML attachments), decoded."""
    message = email.message_from_bytes(raw, policy=policy.compat32)
    found = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() != "text/html":
            continue
        if part.get_content_disposition() == "attachment" or part.get_filename():
            continue
        found.append(_decoded(part))
    return found


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    return decode_bytes(payload if isinstance(payload, bytes) else b"", part.get_content_charset())[0]


def inline_images(attachments: Iterable[Attachment]) -> dict[str, str]:
    """``cid`` -> ``data:`` URI of the images the message carries, within ``INLINE_IMAGE_BYTES``."""
    found: dict[str, str] = {}
    budget = INLINE_IMAGE_BYTES
    for a in attachments:
        if a.content_id and a.mimetype.startswith("image/") and a.data and len(a.data) <= budget:
            budget -= len(a.data)
            found[a.content_id] = f"data:{a.mimetype};base64,{base64.b64encode(a.data).decode('ascii')}"
    return found


def sanitise(html: str, images: dict[str, str] | None = None) -> SafeHtml:
    """Sanitise one HTML body; ``images`` maps ``cid`` references to ``data:`` URIs."""
    images = images or {}
    result = SafeHtml("")

    def remote(value: str) -> None:
        if _REMOTE.match(value) and value.strip() not in result.blocked:
            result.blocked.append(value.strip())

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            if value.strip() and value.strip() not in result.links:
                result.links.append(value.strip())
            return None
        if attribute == "src":
            if value.lower().startswith("cid:"):
                return images.get(value[4:].strip().strip("<>"))
            if value.lower().startswith("data:image/"):
                return value
            remote(value)
            return None
        if attribute == "style":
            urls = [a or b for a, b in _URL_IN_CSS.findall(value)]
            for url in urls:
                remote(url)
            return None if urls or "expression" in value.lower() else value
        if tag == "meta" and attribute == "content":
            for url in _REFRESH_URL.findall(value):
                remote(url)
        elif attribute in ("href", "background", "action", "poster", "srcset", "data", "formaction"):
            for one in value.split(","):
                remote(one.strip().split(" ")[0])
        return value

    for a, b in _URL_IN_CSS.findall(html):  # <style> blocks and @import: removed, but worth listing
        remote(a or b)
    attributes = {key: set(values) for key, values in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = {"style", "title", "lang", "dir"}
    attributes["font"] = {"color", "face", "size"}
    for tag in ("table", "td", "th", "tr", "tbody", "thead"):
        attributes[tag] = attributes.get(tag, set()) | TABLE_ATTRIBUTES
    result.html = nh3.clean(
        html,
        tags=set(nh3.ALLOWED_TAGS) | {"font"},
        attributes=attributes,
        attribute_filter=keep,
        url_schemes={"cid", "data", "http", "https", "mailto"},
        filter_style_properties=set(STYLE_PROPERTIES),
        link_rel="noopener noreferrer",
    )
    return result


FRAME_STYLE = """
body { font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
       color: #1d1d1f; margin: 12px 16px; overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
img:not([src]) { display: inline-block; min-width: 24px; min-height: 16px; outline: 1px dashed #b4b4b4; }
a { color: #1f4fa3; text-decoration: underline dotted; cursor: default; }
blockquote { margin: 0.5em 0 0.5em 0.4em; padding-left: 0.8em; border-left: 3px solid #d0d0d0; color: #4a4a4a; }
table { max-width: 100%; }
"""


def frame_document(fragment: str) -> str:
    """A whole document for the sandboxed frame: the sanitised fragment and a little type."""
    return (
        '<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">'
        f"<style>{FRAME_STYLE}</style></head><body>{fragment}</body></html>"
    )
