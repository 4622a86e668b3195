"""Starting the playground: bind the address, serve the app with uvicorn, open the browser.

`serve` is what `steepest playground` runs; `Background` runs the same server in a thread (the
tests' way in, and a notebook's).
"""

from __future__ import annotations

import socket
import threading
import time
import webbrowser
from typing import Any

__all__ = ["serve", "Background", "bind", "LOOPBACK"]

LOOPBACK = ("127.0.0.1", "localhost")
WS_MAX_BYTES = 1 << 20  # the largest WebSocket message accepted from a page


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free one); OSError with a readable message."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as err:
        raise OSError(f"cannot listen on {host!r}: {err.strerror}") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as err:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port} ({err.strerror}); is another server there? "
                      "pick another port with --port") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def _server(host: str) -> Any:
    import plotly  # noqa: F401 - the page's charts; missing, the server should not start
    import uvicorn

    from steepest.playground.server import create_app

    allowed = ["127.0.0.1", "localhost"] if host in LOOPBACK else None  # DNS rebinding guard
    config = uvicorn.Config(create_app(allowed_hosts=allowed), log_level="warning", lifespan="off",
                            ws_max_size=WS_MAX_BYTES, timeout_graceful_shutdown=2)
    return uvicorn.Server(config)


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True, echo: Any = print) -> None:
    """Serve the playground until Ctrl-C.

    Args:
        host: the address to listen on; 127.0.0.1 (the default) keeps it to this machine.
        port: the port (0: any free one).
        open_browser: open the page in the default browser once the server listens.
        echo: where to say the address (print by default).
    """
    server = _server(host)
    sock = bind(host, port)
    url = _url(host, sock)
    echo(f"steepest playground at {url} (Ctrl-C stops it)")
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


class Background:
    """The playground served from a thread: `with Background() as url: ...`.

    Example:
        >>> with Background() as url:  # doctest: +SKIP
        ...     print(url)
        http://127.0.0.1:40123/
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self.server: Any = None
        self.thread: threading.Thread | None = None
        self.url = ""

    def __enter__(self) -> str:
        self.server = _server(self.host)
        sock = bind(self.host, self.port)
        self.url = _url(self.host, sock)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the playground server did not start")
            time.sleep(0.02)
        self._sock = sock
        return self.url

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self._sock.close()
