"""The pages, one module each, and the registry that mounts them.

Each page module defines ``ROUTES`` (its pages, forms and ``/api/...``
endpoints, every API endpoint ``@documented`` for the OpenAPI schema) and
optionally ``NAV`` (its entry in the top bar: label, path).

**Quote check** (``quotes``) is the one optional page: its nav entry
appears when its module imports, and nothing links to it otherwise (a test,
``tests/test_web_app.py``, checks both states). ``exports`` has no page of
its own: the search page links its downloads.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from starlette.routing import BaseRoute

#: Always there, in top-bar order.
PAGES = (
    *("search", "people", "sources", "entities", "glossary", "tags", "saved", "message", "thread"),
    *("exports", "packs"),
)
#: Mounted when their module exists (and imports: its capability is installed).
OPTIONAL_PAGES = ("quotes",)


def page_modules() -> list[ModuleType]:
    modules = [importlib.import_module(f"{__name__}.{name}") for name in PAGES]
    for name in OPTIONAL_PAGES:
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:
            modules.append(importlib.import_module(f"{__name__}.{name}"))
    return modules


def routes_and_nav(modules: list[ModuleType]) -> tuple[list[BaseRoute], list[tuple[str, str]]]:
    routes: list[BaseRoute] = []
    nav: list[tuple[str, str]] = []
    for module in modules:
        routes.extend(module.ROUTES)
        if getattr(module, "NAV", None):
            nav.append(module.NAV)
    return routes, nav
