"""What every service shares: the error answer, the :class:`Backend` (models) and :class:`Responses` bases,
parameter typing, URL downloads, picture decoding.

Each service is a package (``image_search``, ``vod``, ``sts``) of a ``models`` module (its state and rules: a
:class:`Backend` given a :class:`~.context.BackendContext`) and a ``responses`` module (a :class:`Responses`:
the request's parameter types, then the models, then the answer's shape; it holds no state).

Nothing here comes from the client (its validation, image helpers or contracts): the emulator's
rules are written once, on its side, from the API documents and the SDK's models.
"""

from __future__ import annotations

import http.client
import io
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import threading

    from airflow_provider_tencent.testing.emulator.context import BackendContext, Settings

__all__ = ["ApiError", "Backend", "Responses", "check_params", "download", "open_picture", "redact"]

#: JSON types of the SDK models' ``:type:`` names.
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "bool": (bool,),
    "float": (int, float),
    "object": (dict,),
    "list": (list,),
}


def redact(url: str) -> str:
    """``url`` without user info, query string and fragment (a presigned URL's signature never reaches the
    emulator's records or messages)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


class ApiError(Exception):
    """An error answer: ``{"Error": {"Code": code, "Message": message}}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def check_params(action: str, params: dict[str, Any], types: dict[str, str], code: str, strict: bool) -> None:
    """Types of ``params`` against ``types`` (``{name: "str" | "int" | ...}``); with ``strict``,
    an unknown parameter is refused (``UnknownParameter``)."""
    if strict:
        unknown = sorted(set(params) - set(types))
        if unknown:
            raise ApiError("UnknownParameter", f"{action} has no parameter {unknown[0]!r}.")
    for name, type_name in types.items():
        value = params.get(name)
        if value is None:
            continue
        expected = JSON_TYPES[type_name]
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
            raise ApiError(code, f"{name} must be of type {type_name}, got {type(value).__name__}.")


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def download(url: str, limit: int, what: str, code_invalid: str, code_failed: str, timeout: float) -> bytes:
    """At most ``limit + 1`` bytes from ``url`` (so that "too big" can be told apart)."""
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid:
        raise ApiError(code_invalid, f"{what}: {redact(url)!r} is not a valid http(s) URL.")
    try:
        with _OPENER.open(url, timeout=timeout) as resp:
            data: bytes = resp.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise ApiError(code_failed, f"{what}: downloading {redact(url)} failed: HTTP {exc.code}.") from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        raise ApiError(code_failed, f"{what}: downloading {redact(url)} failed: {type(exc).__name__}.") from None
    return data


def open_picture(data: bytes) -> Any:
    """A lazily decoded Pillow image (header read only: ``format`` and ``size`` are known), or ``None``."""
    try:
        from PIL import Image

        return Image.open(io.BytesIO(data))
    except Exception:
        return None


def picture_format(picture: Any) -> str | None:
    """``png``, ``jpeg``, ``bmp``, ``gif``... as Pillow names it, lower case."""
    fmt = getattr(picture, "format", None)
    return fmt.lower() if isinstance(fmt, str) else None


class Backend:
    """A service's models: its state and rules. Every read and write of the state holds :attr:`lock`.

    :param context: the clock, RNG, lock and settings of the emulator.
    """

    def __init__(self, context: BackendContext) -> None:
        self.context = context

    @property
    def lock(self) -> threading.RLock:
        return self.context.lock

    @property
    def settings(self) -> Settings:
        return self.context.settings


class Responses:
    """A service's API front: ``action_<Name>(params, request_id, secret_id)`` methods that check the
    parameters' types, call the models (:attr:`backend`) and shape the answer. It holds no state: its only
    attribute is ``backend``.

    :param backend: the service's models.
    """

    service = ""
    """The service name of the API (the credential scope's, e.g. ``tiia``)."""
    version = ""
    quotas: Mapping[str, int] = {}
    """Documented requests per second of each action."""
    inner_error_code = "InternalError"
    """The code of the ``inner_error`` fault for this service."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def handler(self, action: str) -> Any:
        return getattr(self, f"action_{action}", None)
