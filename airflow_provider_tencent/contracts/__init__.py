"""API contracts: every field, limit and error code of the Tencent Cloud actions we call.

Each action is declared once, as an :class:`ApiContract`, in the module of its service
(:mod:`.tiia`, :mod:`.vod`, :mod:`.sts`).  The same objects drive

* client-side validation in the operators (:mod:`airflow_provider_tencent.validation`),
* the server-side checks of the local emulator (:mod:`airflow_provider_tencent.testing`),
* error classification (which codes are bad input, transient, throttling or account problems),
* and the operator docs.

This module is pure data and imports nothing heavy: operators import it at parse time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class ErrorKind(str, enum.Enum):
    """What an error code means for the caller."""

    BAD_INPUT = "bad_input"
    """The request itself is wrong: retrying the same request cannot help."""
    CONFLICT = "conflict"
    """The resource already exists (e.g. a PicName): the caller decides (if_exists / confirmation)."""
    THROTTLED = "throttled"
    """Rejected by rate limiting before any work was done: always safe to retry after a pause."""
    TRANSIENT = "transient"
    """A server-side failure that may pass: retry where a repeat cannot create a duplicate."""
    ACCOUNT = "account"
    """Credentials, permissions, billing or service activation: a person must act."""
    UNKNOWN = "unknown"
    """A code this contract does not list: treated as not retryable."""


@dataclass(frozen=True)
class ErrorSpec:
    """One documented error code."""

    code: str
    kind: ErrorKind
    description: str

    @property
    def retryable(self) -> bool:
        return self.kind in (ErrorKind.THROTTLED, ErrorKind.TRANSIENT)


@dataclass(frozen=True)
class FieldSpec:
    """One request parameter.

    ``max_chars`` counts characters (``len`` of the Python ``str``), as the documents do.
    ``api_type`` is the type name used in the API document (String, Integer, Boolean, Rect,
    Array of ...).
    """

    name: str
    arg: str
    api_type: str
    required: bool
    description: str
    max_chars: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    choices: tuple[object, ...] | None = None


@dataclass(frozen=True)
class ImageRules:
    """Rules a picture must satisfy; any limit left as ``None`` is not part of the contract."""

    formats: tuple[str, ...]
    """Accepted formats, as detected from content: ``png``, ``jpeg``, ``bmp``."""
    max_bytes: int | None = None
    """Size of the raw file."""
    max_base64_bytes: int | None = None
    """Size of the file once base64 encoded."""
    max_width: int | None = None
    max_height: int | None = None
    min_side: int | None = None
    """Smallest allowed width and height."""
    min_aspect: float | None = None
    """Smallest allowed width / height."""
    max_aspect: float | None = None
    """Largest allowed width / height."""
    elongation_below: float | None = None
    """The long side over the short side must stay under this (exclusive)."""


@dataclass(frozen=True)
class ApiContract:
    """One action of one service, as its API document states it."""

    service: str
    version: str
    action: str
    host: str
    qps: int | None
    """Documented default request-rate quota (requests per second)."""
    fields: tuple[FieldSpec, ...]
    errors: tuple[ErrorSpec, ...] = ()
    image_rules: ImageRules | None = None
    read_only: bool = False
    """True for actions that change nothing: always safe to repeat."""
    source: str = ""
    """Which document the contract comes from."""
    promises: tuple[str, ...] = ()
    """Fields of ``Response`` a successful answer must carry (besides ``RequestId``): an answer
    without one of them is a failure, never a success."""
    extra: dict[str, object] = field(default_factory=dict)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name or spec.arg == name:
                return spec
        raise KeyError(f"{self.action} has no field {name!r}")

    def error(self, code: str) -> ErrorSpec:
        """The spec of ``code``: this action's table first, then the common table."""
        from airflow_provider_tencent.contracts.common import classify_common

        for spec in self.errors:
            if spec.code == code:
                return spec
        return classify_common(code)

    @property
    def error_codes(self) -> tuple[str, ...]:
        return tuple(spec.code for spec in self.errors)


MB = 1024 * 1024

__all__ = ["MB", "ApiContract", "ErrorKind", "ErrorSpec", "FieldSpec", "ImageRules", "lookup"]


def lookup(service: str, action: str) -> ApiContract | None:
    """The contract of ``service``/``action``, or ``None`` for an action we do not declare."""
    from airflow_provider_tencent.contracts import sts, tiia, vod

    tables = {tiia.SERVICE: tiia.CONTRACTS, vod.SERVICE: vod.CONTRACTS, sts.SERVICE: sts.CONTRACTS}
    return tables.get(service, {}).get(action)
