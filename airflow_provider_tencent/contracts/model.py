"""The shape of an API contract: :class:`ApiContract` (one action), :class:`FieldSpec`, :class:`ImageRules`.

Each action is declared once, as an :class:`ApiContract`, in the module of its service
(:mod:`airflow_provider_tencent.contracts.image_search`, :mod:`airflow_provider_tencent.contracts.vod`,
:mod:`airflow_provider_tencent.contracts.sts`). The same objects drive

* client-side validation in the operators (:mod:`airflow_provider_tencent.validation`),
* error classification (which codes are bad input, transient, throttling or account problems:
  :class:`~airflow_provider_tencent.contracts.errors.ErrorKind` and
  :class:`~airflow_provider_tencent.contracts.errors.ErrorSpec`, in :mod:`airflow_provider_tencent.contracts.errors`),
* and the operator docs.

The local emulator does NOT use them: it has its own reading of the API references, so that a
wrong belief here is not shared by the server the tests run against. Both are checked against the
official SDK's models and ``errorcodes.py`` in the tests (``tests/sdk_oracle.py``,
``tests/unit/contracts/test_error_decisions.py``).

Pure data, importing nothing heavy: operators import it at parse time.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_tencent.contracts.common import COMMON_BY_CODE, classify_common
from airflow_provider_tencent.contracts.errors import ErrorSpec

__all__ = ["MB", "ApiContract", "FieldSpec", "ImageRules"]

#: One mebibyte, the unit of the documents' size limits.
MB = 1024 * 1024


@dataclass(frozen=True)
class FieldSpec:
    """One request parameter.

    ``max_chars`` counts characters (``len`` of the Python ``str``), as the documents do.
    ``api_type`` is the type name used in the API document (String, Integer, Float, Boolean, Rect,
    Array of ..., or an object's name); an object's members (and those of an array's items) are
    declared in :attr:`members`. A nested member's ``arg`` is its API name.
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
    min_value: int | None = None
    """Smallest value of an Integer field (inclusive)."""
    max_value: int | None = None
    """Largest value of an Integer field (inclusive)."""
    limit_source: str = ""
    """Where the limits above come from: document and wording, or "our own choice: why".
    Every field with a limit must say (``tests/unit/contracts/test_error_decisions.py``)."""
    members: tuple[FieldSpec, ...] = ()
    """The members of an object (``api_type`` an object name) or of each item of an ``Array of`` objects:
    nested fields, checked recursively; a key that is not one of them is refused, as the gateway does."""
    model_choices: tuple[tuple[str, tuple[object, ...]], ...] = ()
    """Choices that depend on the request's ``ModelName``: ``((model, allowed values), ...)``. A model not
    listed here is not checked (the document gives no list for it)."""
    required_hint: str = ""
    """Said after "is required" when the field is missing (where its value can come from)."""

    @property
    def has_limit(self) -> bool:
        limits = (self.max_chars, self.min_items, self.max_items, self.choices, self.min_value, self.max_value)
        return any(v is not None for v in limits) or bool(self.model_choices)

    def choices_for(self, model: object) -> tuple[object, ...] | None:
        """The allowed values for ``model`` (``ModelName``), else :attr:`choices`."""
        for name, allowed in self.model_choices:
            if name == model:
                return allowed
        return self.choices

    def member(self, name: str) -> FieldSpec | None:
        """The nested member ``name`` (``None``: not a member)."""
        return next((m for m in self.members if m.name == name), None)

    @property
    def value_range(self) -> str | None:
        """The allowed range of an Integer field in words (``1 to 100``, ``>= 0``), ``None`` without one."""
        if self.min_value is not None and self.max_value is not None:
            return f"{self.min_value} to {self.max_value}"
        if self.min_value is not None:
            return f">= {self.min_value}"
        if self.max_value is not None:
            return f"<= {self.max_value}"
        return None


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
    source: str = ""
    """Where these limits come from (document and wording)."""


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
    qps_source: str = ""
    """Where ``qps`` comes from (document and wording)."""
    errors: tuple[ErrorSpec, ...] = ()
    """The codes this action's document lists (the table of the CreateImage API reference, for CreateImage)."""
    service_errors: tuple[ErrorSpec, ...] = ()
    """Every other code of the service (its SDK ``errorcodes.py``), decided once for the service."""
    image_rules: ImageRules | None = None
    read_only: bool = False
    """True for actions that change nothing: always safe to repeat."""
    source: str = ""
    """Which document the contract comes from."""
    promises: tuple[str, ...] = ()
    """Fields of ``Response`` a successful answer must carry (besides ``RequestId``): an answer
    without one of them is a failure, never a success."""

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name or spec.arg == name:
                return spec
        raise KeyError(f"{self.action} has no field {name!r}")

    def error(self, code: str) -> ErrorSpec:
        """The spec of ``code``: this action's table, the service's, the common table, then the family rule."""
        return self.decided(code) or classify_common(code)

    def decided(self, code: str) -> ErrorSpec | None:
        """The explicit decision on ``code`` (action, service or common table), ``None`` when there is none."""
        for spec in self.errors:
            if spec.code == code:
                return spec
        for spec in self.service_errors:
            if spec.code == code:
                return spec
        return COMMON_BY_CODE.get(code)

    @property
    def error_codes(self) -> tuple[str, ...]:
        return tuple(spec.code for spec in self.errors)
