"""``alignsim app``: serve the teaching page with Solara's server on this machine.

The page listens on 127.0.0.1 unless ``--host`` names another interface: a classroom page
runs whatever its visitors ask it to simulate, so it is not offered to the network by
default. Solara's usage statistics and update check are switched off, and its browser files
come from the solara-assets package: the page makes no outside connection.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import warnings
from pathlib import Path

from alignsim.app.page import RESULTS_ENV, SCENARIO_ENV

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class ServeError(Exception):
    """The page cannot be served (port taken, address not on this machine)."""


def check_address(host: str, port: int) -> None:
    """Fail early, with a message, when the address cannot be listened on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ServeError(
                    f"port {port} on {host} is in use; choose another with --port"
                ) from error
            raise ServeError(
                f"cannot listen on {host}:{port}: {error.strerror or error}"
            ) from error


def serve(scenario: Path | None, *, host: str, port: int, results: Path) -> int:
    """Start the page and block until interrupted; returns Solara's exit status."""
    check_address(host, port)
    if scenario is not None:
        os.environ[SCENARIO_ENV] = str(Path(scenario).resolve())
    os.environ[RESULTS_ENV] = str(Path(results).resolve())
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    from solara.__main__ import cli  # after the environment: Solara reads it on import

    shown = f"[{host}]" if ":" in host else host
    print(f"alignsim app: open http://{shown}:{port}/ in a browser (Ctrl+C stops it)", flush=True)
    args = ["run", "alignsim.app.page:Page", "--host", host, "--port", str(port)]
    args += ["--production", "--no-open", "--no-check-version", "--theme-loader", "plain"]
    args += ["--log-level", "warning"]
    # Solara warns that a page on 127.0.0.1 cannot set cross-site cookies; it needs none.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")
    with contextlib.suppress(KeyboardInterrupt):
        cli.main(args=args, prog_name="alignsim app", standalone_mode=False)
    return 0
