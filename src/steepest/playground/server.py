"""The playground's web server: Starlette routes for the page, its JSON API and the network lab's
WebSocket; uvicorn serves it.

    GET  /                      the page (static/index.html); /static/... its CSS and JS
    GET  /vendor/plotly.min.js  plotly.js as the `plotly` package ships it (nothing from a CDN)
    GET  /api/info              methods, datasets, presets and limits of this steepest
    POST /api/parse             {"formula"} -> variables, or 400 with the caret's column
    POST /api/descent/landscape {"formula", "view"} -> the curve or the grid with -grad arrows
    POST /api/descent/run       {"formula", "start", "runners", "tol", "max_iter"} -> paths and reasons
    POST /api/graph             {"formula", "values"} -> nodes, backward steps, explain, Graphviz SVG
    POST /api/network/csv       a CSV file (at most 1 MiB) -> {"id", ...} for the network lab
    WS   /ws/network            one tab's training: config, play, pause, step, lr -> setup and frames

Bodies are bounded and checked field by field (`fields`): a malformed request gets a 4xx with an
`error` line. The engine's work runs in worker threads (Starlette's thread pool for requests, a
thread per WebSocket session for training), never on the event loop, so one tab's training does
not hold up another tab.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

import steepest as st
from steepest.playground import datasets, descent, graphlab, methods, network
from steepest.playground._json import dumps
from steepest.playground.fields import MAX_JSON, BadRequest, number, parse_body
from steepest.playground.sessions import TrainingSession

__all__ = ["create_app", "STATIC", "plotly_js", "MAX_UPLOADS"]

STATIC = Path(__file__).with_name("static")
MAX_UPLOADS = 16  # CSV files kept for the network lab (the oldest is dropped)
_ENGINE_ERRORS = (ValueError, TypeError, ArithmeticError, LookupError)


def plotly_js() -> Path:
    """The plotly.min.js that the plotly Python package ships."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise RuntimeError(f"plotly {plotly.__version__} has no package_data/plotly.min.js at {path}")
    return path


def _json(data: Any, status: int = 200) -> Response:
    return Response(dumps(data), status_code=status, media_type="application/json")


async def _read(request: Request, limit: int) -> bytes:
    """The body, refused with 413 past `limit` bytes (from Content-Length, else while reading)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"request body of {declared} bytes is over the limit of {limit} bytes", 413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"request body is over the limit of {limit} bytes", 413)
        chunks.append(chunk)
    return b"".join(chunks)


def _endpoint(compute: Callable[[dict], Any]) -> Callable:
    """A POST route: read and check the JSON body, compute in a worker thread, answer JSON."""
    async def endpoint(request: Request) -> Response:
        body = parse_body(await _read(request, MAX_JSON), request.headers.get("content-type"))
        return _json(await run_in_threadpool(_guarded, compute, body))

    return endpoint


def _guarded(compute: Callable[[dict], Any], body: dict) -> Any:
    try:
        return compute(body)
    except BadRequest:
        raise
    except _ENGINE_ERRORS as err:  # bad input the checks let through: steepest's own clear message
        raise BadRequest(f"{type(err).__name__}: {err}") from None


def _parse(body: dict) -> dict:
    f = descent.formula(body, dims=tuple(range(0, 17)))
    return {"text": f.text, "variables": f.variables}


def _info(uploads: dict) -> dict:
    return {"version": st.__version__, "methods": methods.methods(), "line_searches": methods.line_searches(),
            "adaptive_steps": methods.adaptive_steps(), "sliders": methods.SLIDERS,
            "descent_presets": descent.PRESETS, "graph_presets": graphlab.PRESETS,
            "datasets": {k: {"task": v[1], "points": v[2], "max_classes": v[3]}
                         for k, v in datasets.DATASETS.items()},
            "features": {k: v[0] for k, v in network.FEATURES.items()}, "activations": network.ACTIVATIONS,
            "optimizers": list(st.optim.OPTIMIZERS), "regularizers": network.REGULARIZERS,
            "limits": {"layers": network.MAX_LAYERS, "neurons": network.MAX_NEURONS,
                       "runners": descent.MAX_RUNNERS, "max_iter": descent.MAX_ITER,
                       "csv_bytes": datasets.MAX_CSV_BYTES, "csv_rows": datasets.MAX_CSV_ROWS},
            "graphviz": shutil.which("dot") is not None}


class _Uploads:
    """The last MAX_UPLOADS CSV datasets, by the hash of their bytes."""

    def __init__(self) -> None:
        self.items: OrderedDict[str, datasets.Dataset] = OrderedDict()

    def add(self, data: bytes) -> tuple[str, datasets.Dataset]:
        key = hashlib.sha256(data).hexdigest()[:16]
        dataset = datasets.from_csv(data)
        self.items[key] = dataset
        self.items.move_to_end(key)
        while len(self.items) > MAX_UPLOADS:
            self.items.popitem(last=False)
        return key, dataset

    def get(self, key: str, default: Any = None) -> Any:
        return self.items.get(key, default)


def _same_origin(ws: WebSocket) -> bool:
    """A WebSocket from a page of another site (its Origin is not this server) is refused."""
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host")


async def _command(session: TrainingSession, text: str, last: dict) -> dict | None:
    """Act on one message from the page; the reply to send, if any."""
    if len(text) > MAX_JSON:
        raise BadRequest(f"message of {len(text)} characters is over the limit of {MAX_JSON}", 413)
    try:
        message = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadRequest(f"the message is not valid JSON: {err}") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise BadRequest('a message is a JSON object with a "type": config, play, pause, step, reset or lr')
    kind = message["type"]
    if kind in ("config", "reset"):
        config = message.get("config", last.get("config")) if kind == "config" else last.get("config")
        if not isinstance(config, dict):
            raise BadRequest('config needs "config": {...} (the network lab\'s settings)')
        reply = await run_in_threadpool(session.configure, config)
        last["config"] = config
        return reply
    if kind in ("play", "step"):
        await run_in_threadpool(session.play if kind == "play" else session.step)
    elif kind == "pause":
        session.pause()
    elif kind == "lr":
        session.set_lr(number(message, "lr", None, 0.0, 10.0, open_lo=True))
    else:
        raise BadRequest(f"unknown message type {kind!r}; known: config, play, pause, step, reset, lr")
    return None


async def _network_socket(ws: WebSocket) -> None:
    if not _same_origin(ws):
        await ws.close(code=1008)  # before accept: the handshake is answered 403
        return
    await ws.accept()
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()
    # frames are serialised in the training thread, so the event loop only passes text on
    session = TrainingSession(lambda m: loop.call_soon_threadsafe(queue.put_nowait, dumps(m)),
                              ws.app.state.uploads)

    async def sender() -> None:
        while True:
            await ws.send_text(await queue.get())

    task = asyncio.create_task(sender())
    last: dict = {}
    try:
        while True:
            text = await ws.receive_text()
            try:
                reply = await _command(session, text, last)
            except BadRequest as err:
                reply = {"type": "error", "status": err.status, **err.payload}
            except _ENGINE_ERRORS as err:
                reply = {"type": "error", "status": 400, "error": f"{type(err).__name__}: {err}"}
            if reply is not None:
                queue.put_nowait(await run_in_threadpool(dumps, reply))
    except WebSocketDisconnect:
        pass
    finally:
        task.cancel()
        await run_in_threadpool(session.close)


async def _csv(request: Request) -> Response:
    data = await _read(request, datasets.MAX_CSV_BYTES)
    try:
        key, dataset = await run_in_threadpool(request.app.state.uploads.add, data)
    except (ValueError, KeyError) as err:
        raise BadRequest(f"CSV upload: {err}") from None
    return _json({"id": key, "rows": len(dataset.X), "task": dataset.task, "classes": dataset.classes})


async def _bad_request(request: Request, err: Exception) -> Response:
    return _json(err.payload, err.status)


async def _http_error(request: Request, err: Exception) -> Response:
    return _json({"error": f"{err.detail}: {request.method} {request.url.path}"}, err.status_code)


def create_app(allowed_hosts: list[str] | None = None) -> Starlette:
    """The Starlette application; `allowed_hosts` (Host headers accepted) guards against DNS rebinding."""
    page = STATIC / "index.html"
    routes = [
        Route("/", lambda request: FileResponse(page, headers={"Cache-Control": "no-store"})),
        Route("/vendor/plotly.min.js",
              lambda request: FileResponse(plotly_js(), media_type="text/javascript")),
        Route("/api/info", lambda request: _json(_info(request.app.state.uploads))),
        Route("/api/parse", _endpoint(_parse), methods=["POST"]),
        Route("/api/descent/landscape", _endpoint(descent.landscape), methods=["POST"]),
        Route("/api/descent/run", _endpoint(descent.run), methods=["POST"]),
        Route("/api/graph", _endpoint(graphlab.build), methods=["POST"]),
        Route("/api/network/csv", _csv, methods=["POST"]),
        WebSocketRoute("/ws/network", _network_socket),
        Mount("/static", StaticFiles(directory=str(STATIC))),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)] if allowed_hosts else []
    app = Starlette(routes=routes, middleware=middleware,
                    exception_handlers={BadRequest: _bad_request, HTTPException: _http_error})
    app.state.uploads = _Uploads()
    return app

