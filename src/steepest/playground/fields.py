"""Reading what the page sends: bounded JSON bodies and checked fields, or a clear 4xx.

Every field a room reads goes through one of these helpers, which raise `BadRequest` naming
the field, what it must be and what came, so a malformed request is answered with a 400 (413
for a body over the limit, 415 for one that is not JSON) and never reaches the engine.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

__all__ = ["BadRequest", "parse_body", "number", "integer", "choice", "flag", "text", "numbers"]

MAX_JSON = 256 * 1024  # bytes of a JSON request body


class BadRequest(Exception):
    """A request the server will not act on: `status` (4xx) and a JSON `payload` with an `error` line."""

    def __init__(self, message: str, status: int = 400, **extra: Any):
        super().__init__(message)
        self.status = status
        self.payload = {"error": message, **extra}


def parse_body(raw: bytes, content_type: str | None, limit: int = MAX_JSON) -> dict:
    """The JSON object in a request body, or BadRequest (413 too large, 415 not JSON, 400 malformed)."""
    if len(raw) > limit:
        raise BadRequest(f"request body of {len(raw)} bytes is over the limit of {limit} bytes", 413)
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise BadRequest(f"expected Content-Type application/json, got {content_type or 'none'!r}", 415)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BadRequest(f"the body is not valid JSON: {err}") from None
    if not isinstance(body, dict):
        raise BadRequest(f"expected a JSON object {{...}}, got {type(body).__name__}")
    return body


def number(body: dict, key: str, default: float | None = None, lo: float = -math.inf,
           hi: float = math.inf, *, open_lo: bool = False) -> float:
    """A finite number in [lo, hi] (or (lo, hi] with open_lo)."""
    v = body.get(key, default)
    if v is None:
        raise BadRequest(f"{key} is required: a number")
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise BadRequest(f"{key} must be a finite number, got {v!r}")
    if v < lo or v > hi or (open_lo and v == lo):
        left = "(" if open_lo else "["
        raise BadRequest(f"{key} must be in {left}{lo:g}, {hi:g}], got {v!r}")
    return float(v)


def integer(body: dict, key: str, default: int | None = None, lo: int = 0, hi: int = 10**9) -> int:
    """A whole number in [lo, hi]."""
    v = body.get(key, default)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise BadRequest(f"{key} must be a whole number, got {v!r}")
    if not lo <= v <= hi:
        raise BadRequest(f"{key} must be between {lo} and {hi}, got {v}")
    return v


def choice(body: dict, key: str, options: Sequence[str], default: str | None = None) -> str:
    """One of `options`."""
    v = body.get(key, default)
    if v not in options:
        raise BadRequest(f"{key} must be one of {', '.join(options)}; got {v!r}")
    return v


def flag(body: dict, key: str, default: bool = False) -> bool:
    v = body.get(key, default)
    if not isinstance(v, bool):
        raise BadRequest(f"{key} must be true or false, got {v!r}")
    return v


def text(body: dict, key: str, default: str | None = None, max_length: int = 2000) -> str:
    v = body.get(key, default)
    if not isinstance(v, str):
        raise BadRequest(f"{key} must be a string, got {type(v).__name__}")
    if len(v) > max_length:
        raise BadRequest(f"{key} is longer than {max_length} characters")
    return v


def numbers(body: dict, key: str, length: int | None = None, default: Any = None,
            max_length: int = 64) -> list[float]:
    """A list of finite numbers (of `length` when given)."""
    v = body.get(key, default)
    if not isinstance(v, list) or len(v) > max_length:
        raise BadRequest(f"{key} must be a list of at most {max_length} numbers, got {v!r}")
    if any(isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) for x in v):
        raise BadRequest(f"{key} must hold finite numbers only, got {v!r}")
    if length is not None and len(v) != length:
        raise BadRequest(f"{key} must hold {length} number(s), got {len(v)}")
    return [float(x) for x in v]
