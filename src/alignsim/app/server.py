"""``alignsim app``: serve the teaching page with Solara's server on this machine.

The page listens on 127.0.0.1 unless ``--host`` names another interface: a classroom page
runs whatever its visitors ask it to simulate, so it is not offered to the network by
default. Solara's usage statistics and update check are switched off, and its browser files
come from the solara-assets package: the page makes no outside connection.

The listening socket is opened here, before anything else starts, and handed to Solara's
web server (uvicorn, serving Solara's Starlette app as Solara's own ``solara run`` does): a
port that is taken is reported at once, and ``--port 0`` listens on a free port the system
picks, whose address is the one printed. Nothing probes a port, lets it go and binds it
again, so no other program can take it in between.
"""

from __future__ import annotations

import contextlib
import copy
import errno
import os
import socket
import warnings
from pathlib import Path

from alignsim.app.page import RESULTS_ENV, SCENARIO_ENV

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: The page, as Solara's server imports it.
PAGE = "alignsim.app.page:Page"


class ServeError(Exception):
    """The page cannot be served (port taken, address not on this machine)."""


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: a free one the system picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise ServeError(
                f"port {port} on {host} is in use; choose another with --port"
            ) from error
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error


def page_url(listener: socket.socket) -> str:
    """The address a browser opens: the host and the port actually listened on."""
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _configure_solara() -> dict:
    """Solara set up as ``solara run --production --theme-loader plain`` sets it up, with
    warnings and errors logged; returns uvicorn's logging configuration."""
    os.environ["SOLARA_APP"] = PAGE  # read when Solara's server module is imported
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    from solara.__main__ import LOGGING_CONFIG
    from solara.server import settings

    settings.main.mode = "production"
    settings.theme.loader = "plain"
    settings.telemetry.mixpanel_enable = False
    logging_config = copy.deepcopy(LOGGING_CONFIG)
    logging_config["loggers"]["solara"]["level"] = "WARNING"
    # Solara warns that a page on 127.0.0.1 cannot set cross-site cookies; it needs none.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")
    return logging_config


def serve(scenario: Path | None, *, host: str, port: int, results: Path) -> int:
    """Start the page and block until interrupted; returns 0."""
    listener = listen(host, port)
    with listener:
        if scenario is not None:
            os.environ[SCENARIO_ENV] = str(Path(scenario).resolve())
        os.environ[RESULTS_ENV] = str(Path(results).resolve())
        logging_config = _configure_solara()
        import uvicorn

        config = uvicorn.Config(
            "solara.server.starlette:app", log_config=logging_config, log_level="error"
        )
        print(f"alignsim app: open {page_url(listener)} in a browser (Ctrl+C stops it)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.Server(config).run(sockets=[listener])
    return 0
