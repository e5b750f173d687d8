"""The serve command: the case in a browser (``loupe.web``), on this computer only by default."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import webbrowser
from pathlib import Path

import click

from loupe.commands.common import case_option, open_case

#: Addresses that reach only this computer: served with the Host check on.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind_port(host: str, port: int) -> socket.socket:
    """Bind before starting the server, so a busy port is one clear line and port 0 gets a real number."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror}); try another --port") from None
    sock.listen(128)
    return sock


def _allowed_hosts(host: str) -> list[str]:
    """The Host names to answer: loopback names, plus the address asked for; any name when
    listening on every interface (then the reporter has chosen to share the case)."""
    from loupe.web.security import LOOPBACK_HOSTS

    if host in ("0.0.0.0", "::"):
        return ["*"]
    return [*LOOPBACK_HOSTS, host]


def _get_ready() -> None:
    """What the first message page would otherwise wait for, done while the reporter types a query:
    the place-name gazetteer (1.1 s to build; built in a child process, so this server keeps
    19 MiB of it and not the 70 MiB that reading GeoNames leaves behind), and pypdf's import."""
    from loupe.entities.gazetteer import install, pickled_gazetteer

    install(pickled_gazetteer())
    import pypdf  # noqa: F401


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    try:
        if ipaddress.ip_address(shown).version == 6:
            shown = f"[{shown}]"
    except ValueError:
        pass  # a host name
    return f"http://{shown}:{port}/"


@click.command()
@case_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on; 127.0.0.1 is this computer only."
)
@click.option("--port", default=8000, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Also open the page in the default browser.")
def serve(case_dir: Path | None, host: str, port: int, open_browser: bool) -> None:
    """Open the case in a browser: search, read messages, follow threads,
    people, sources, glossary, tags and notes. Everything is served by this
    process (no internet needed); Ctrl-C stops it.

    Listens on 127.0.0.1 by default, so only this computer can see the case;
    --host 0.0.0.0 shares it with your network (anyone who can reach it can read it).

    Example: loupe serve --case my-case --open
    """
    import uvicorn

    from loupe.web.app import create_app

    if host not in LOOPBACK:
        click.echo(f"warning: listening on {host}: anyone who can reach this address can read the case", err=True)
    case = open_case(case_dir)
    try:
        sock = bind_port(host, port)
        url = _url(host, sock.getsockname()[1])
        app = create_app(case, allowed_hosts=_allowed_hosts(host))
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        click.echo(f"Loupe is serving the case {case.root} at {url}  (Ctrl-C to stop)")
        threading.Thread(target=_get_ready, name="get-ready", daemon=True).start()
        if open_browser:
            webbrowser.open(url)
        # uvicorn stops gracefully on Ctrl-C, then raises it again: that is the way out, not an error
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        case.close()
    click.echo("stopped")
