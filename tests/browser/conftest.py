"""Browser tests: Debian's Chromium, driven by Playwright, against a real `loupe serve`.

Skipped with the reason when ``/usr/bin/chromium`` is missing (``make test``
installs it where it can: ``tools/install-browser.sh``), except in CI
(``CI`` set), where a missing browser is a failure: CI must run them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

#: Debian's Chromium; LOUPE_CHROMIUM points elsewhere (another distribution, or a check of the skip itself).
CHROMIUM = Path(os.environ.get("LOUPE_CHROMIUM", "/usr/bin/chromium"))


def in_ci() -> bool:
    """The same reading of ``CI`` as ``tools/install-test-deps.sh``."""
    return os.environ.get("CI", "").strip() not in ("", "0", "false", "FALSE", "False", "no")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: run tools/install-browser.sh as root (apt-get install chromium)"
        if in_ci():
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # --disable-dev-shm-usage: containers often give /dev/shm 64 MB, too little for Chromium's renderer
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


@contextmanager
def serving(case_root: Path) -> Iterator[str]:
    """``loupe serve`` on a free port, as a reporter would start it; yields its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "loupe", "serve", "--case", str(case_root), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
        if not found:
            process.kill()
            pytest.fail(f"loupe serve did not start: {line!r} {process.stderr.read() if process.stderr else ''}")
        url = found.group(1)
        httpx.get(url + "/api/status", timeout=60).raise_for_status()
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def demo_server(browser: Any, demo_case: tuple[Any, dict[str, Any]]) -> Iterator[str]:
    with serving(demo_case[0].root) as url:
        yield url


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tmp dir, or ``$LOUPE_SCREENSHOTS`` to keep them (pytest keeps only its last three tmp dirs)."""
    kept = os.environ.get("LOUPE_SCREENSHOTS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        return Path(kept)
    return tmp_path_factory.mktemp("screenshots")


@dataclass
class Watch:
    """Every request a page makes, and every console error (a CSP violation is one)."""

    origin: str
    requests: list[str] = field(default_factory=list)
    aborted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        """Requests to anywhere but the app (data: URIs are not requests to a host)."""
        return [u for u in self.requests if not u.startswith((self.origin + "/", "data:", "about:"))]


def watched(page: Any, origin: str) -> Watch:
    """Record every request; let through only the app's own, abort the rest (recorded too)."""
    watch = Watch(origin)
    page.on("request", lambda request: watch.requests.append(request.url))
    page.on("console", lambda message: watch.errors.append(message.text) if message.type == "error" else None)

    def only_the_app(route: Any) -> None:
        url = route.request.url
        if url.startswith((origin + "/", "data:")):
            route.continue_()
        else:
            watch.aborted.append(url)
            route.abort()

    page.route("**/*", only_the_app)
    return watch


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()
