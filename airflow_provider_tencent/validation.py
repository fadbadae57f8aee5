"""Client-side validation of a request against its :class:`~airflow_provider_tencent.contracts.ApiContract`.

Runs before any API call. Each problem names the operator argument and the API field, the limit
and the size of the value that broke it; all problems of a request are reported together in one
:class:`~airflow_provider_tencent.exceptions.TencentCloudInputError` (fail-fast: Airflow does not
retry it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from airflow_provider_tencent.contracts import ApiContract, FieldSpec, ImageRules
from airflow_provider_tencent.contracts import image_search as image_search_contract
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.utils import images


@dataclass(frozen=True)
class Problem:
    field: str
    limit: str
    actual: str
    message: str


def _label(spec: FieldSpec) -> str:
    return f"{spec.arg} ({spec.name})"


_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "String": (str,),
    "Integer": (int,),
    "Float": (int, float),
    "Boolean": (bool,),
}


def _is(value: Any, kinds: tuple[type, ...]) -> bool:
    return isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))


def _type_ok(spec: FieldSpec, value: Any) -> bool:
    if spec.api_type in _SCALAR_TYPES:
        return _is(value, _SCALAR_TYPES[spec.api_type])
    if spec.api_type.startswith("Array"):
        return isinstance(value, list)
    if spec.api_type in ("Rect", "ImageRect") or spec.members:
        return isinstance(value, dict)
    return True


def field_problems(contract: ApiContract, params: dict[str, Any]) -> list[Problem]:
    """Required fields, types, lengths, item counts, value ranges and choices of ``params`` (API field names),
    nested objects included (:attr:`FieldSpec.members`: unknown keys, types and choices, recursively; choices
    that depend on the model are read with the request's ``ModelName``)."""
    model = params.get("ModelName")
    problems: list[Problem] = []
    for spec in contract.fields:
        problems += _value_problems(spec, params.get(spec.name), (spec.arg, spec.name), model)
    return problems


def _value_problems(spec: FieldSpec, value: Any, path: tuple[str, str], model: Any) -> list[Problem]:
    """The problems of one value at ``path`` (operator argument path, API field path)."""
    arg, label = path[0], f"{path[0]} ({path[1]})"
    if value is None or value == "" or value == []:
        if not spec.required:
            return []
        hint = f": {spec.required_hint}" if spec.required_hint else ""
        return [Problem(arg, "required", "missing", f"{label} is required{hint}")]
    if not _type_ok(spec, value):
        text = f"{label} must be of type {spec.api_type}, got {type(value).__name__} {value!r:.40}"
        return [Problem(arg, f"type {spec.api_type}", type(value).__name__, text)]
    return _limit_problems(spec, value, arg, label, model) + _nested_problems(spec, value, path, model)


def _limit_problems(spec: FieldSpec, value: Any, arg: str, label: str, model: Any) -> list[Problem]:
    problems: list[Problem] = []
    if spec.max_chars is not None and isinstance(value, str) and len(value) > spec.max_chars:
        problems.append(
            Problem(
                arg,
                f"at most {spec.max_chars} characters",
                f"{len(value)} characters",
                f"{label} is {len(value)} characters; the limit is {spec.max_chars} characters",
            )
        )
    if isinstance(value, list):
        count = len(value)
        if (spec.min_items is not None and count < spec.min_items) or (
            spec.max_items is not None and count > spec.max_items
        ):
            limit = f"{spec.min_items or 0} to {spec.max_items} items" if spec.max_items else f">= {spec.min_items}"
            problems.append(Problem(arg, limit, f"{count} items", f"{label} has {count} items; it must have {limit}"))
    if _is(value, (int,)) and spec.value_range is not None:
        if (spec.min_value is not None and value < spec.min_value) or (
            spec.max_value is not None and value > spec.max_value
        ):
            problems.append(
                Problem(arg, spec.value_range, f"{value}", f"{label} is {value}; it must be {spec.value_range}")
            )
    choices = spec.choices_for(model)
    if choices is not None and value not in choices:
        allowed = ", ".join(f"{c}" for c in choices)
        which = f" for ModelName {model}" if spec.model_choices and spec.choices is None else ""
        problems.append(
            Problem(arg, f"one of {allowed}", f"{value!r}", f"{label} must be one of {allowed}{which}, got {value!r}")
        )
    return problems


def _nested_problems(spec: FieldSpec, value: Any, path: tuple[str, str], model: Any) -> list[Problem]:
    """The members of an object, or the items of an array (objects, or Strings for ``Array of String``)."""
    if isinstance(value, list):
        problems: list[Problem] = []
        for n, item in enumerate(value):
            item_path = (f"{path[0]}[{n}]", f"{path[1]}[{n}]")
            if spec.api_type == "Array of String" and not isinstance(item, str):
                text = f"{item_path[0]} ({item_path[1]}) must be a String, got {type(item).__name__} {item!r:.40}"
                problems.append(Problem(item_path[0], "type String", type(item).__name__, text))
            elif spec.members and not isinstance(item, dict):
                text = f"{item_path[0]} ({item_path[1]}) must be an object, got {type(item).__name__} {item!r:.40}"
                problems.append(Problem(item_path[0], "an object", type(item).__name__, text))
            elif spec.members:
                problems += _object_problems(spec, item, item_path, model)
        return problems
    if spec.members and isinstance(value, dict):
        return _object_problems(spec, value, path, model)
    return []


def _object_problems(spec: FieldSpec, value: dict[str, Any], path: tuple[str, str], model: Any) -> list[Problem]:
    known = ", ".join(m.name for m in spec.members)
    kind = spec.api_type.removeprefix("Array of ")
    problems = [
        Problem(
            f"{path[0]}.{key}",
            f"a member of {kind}",
            "unknown",
            f"{path[0]}.{key} ({path[1]}.{key}): {kind} has no member {key!r} (its members: {known})",
        )
        for key in value
        if spec.member(f"{key}") is None
    ]
    for member in spec.members:
        sub = (f"{path[0]}.{member.name}", f"{path[1]}.{member.name}")
        problems += _value_problems(member, value.get(member.name), sub, model)
    return problems


def normal_tags(value: Any) -> Any:
    """The one reading of a ``Tags`` value (the pictures' tags of Image Search), for checks and comparisons.

    ``None`` when there are none (``None``, ``""``, ``{}``); a text is read as JSON (what the API
    sends and stores); a text that is no JSON is returned as it is (:func:`tags_problems` names it);
    anything else (a dict) as given. Two values mean the same tags when their readings are equal.
    For the text sent to the API, see :func:`template_tags`.
    """
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def tags_problems(tags: Any) -> list[Problem]:
    """``Tags`` must be a JSON object (or dict) with at most :data:`~.image_search.MAX_TAG_KEYS` keys."""
    spec = image_search_contract.CREATE_IMAGE.field("Tags")
    label = _label(spec)
    limit = f"a JSON object with at most {image_search_contract.MAX_TAG_KEYS} keys"
    if isinstance(tags, str) and tags != "":
        try:
            json.loads(tags)
        except ValueError as exc:
            return [Problem(spec.arg, limit, "invalid JSON", f"{label} is not valid JSON ({exc}); it must be {limit}")]
    tags = normal_tags(tags)
    if tags is None:
        return []
    if not isinstance(tags, dict):
        kind = type(tags).__name__
        return [Problem(spec.arg, limit, kind, f"{label} is a JSON {kind}; it must be {limit}")]
    if len(tags) > image_search_contract.MAX_TAG_KEYS:
        return [
            Problem(
                spec.arg,
                limit,
                f"{len(tags)} keys",
                f"{label} has {len(tags)} keys; the limit is {image_search_contract.MAX_TAG_KEYS}",
            )
        ]
    return []


def image_problems(field: str, data: bytes, rules: ImageRules, source: str) -> list[Problem]:
    """The contract's picture rules checked on the bytes of ``source``."""
    info = images.inspect(data)
    return [
        Problem(field, p.limit, p.actual, f"{field} ({source}): {p.rule} must be {p.limit}, got {p.actual}")
        for p in images.check(info, rules)
    ]


def raise_if(problems: list[Problem], action: str, item: str | None = None) -> None:
    """Raise one :class:`TencentCloudInputError` listing every problem (no-op when there is none)."""
    if not problems:
        return
    where = f"{action} [{item}]" if item else action
    text = "; ".join(p.message for p in problems)
    first = problems[0]
    raise TencentCloudInputError(
        f"{where}: invalid input, no request was sent: {text}",
        field=first.field,
        limit=first.limit,
        actual=first.actual,
        item=item,
    )


def parse_structured(value: Any, field: str, expected: type | tuple[type, ...]) -> Any:
    """``value`` as a list/dict: as given, or parsed from its JSON text.

    A rendered template is a string. JSON is read as such; a Python literal (what ``{{ value }}``
    renders a list or dict as: single quotes, ``True``, ``None``) is read with
    :func:`ast.literal_eval` - never evaluated as code.

    :raises TencentCloudInputError: naming ``field`` when the text is neither, or is not of the
        ``expected`` type (with a hint to render it with ``| tojson``).
    """
    kinds = expected if isinstance(expected, tuple) else (expected,)
    wanted = " or ".join("a list" if k is list else "a dict (JSON object)" if k is dict else k.__name__ for k in kinds)
    if isinstance(value, str):
        text = value.strip()
        try:
            value = json.loads(text)
        except ValueError:
            import ast

            try:
                value = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                raise TencentCloudInputError(
                    f"{field} must be {wanted}; got a text that is not valid JSON (nor a Python literal) "
                    f"({text[:60]!r}{'...' if len(text) > 60 else ''}). In a template, render it with "
                    "`| tojson`.",
                    field=field,
                    limit=wanted,
                    actual="unparseable text",
                ) from None
    if isinstance(value, tuple) and list in kinds:
        value = list(value)
    if not isinstance(value, kinds):
        raise TencentCloudInputError(
            f"{field} must be {wanted}, got {type(value).__name__}",
            field=field,
            limit=wanted,
            actual=type(value).__name__,
        )
    return value


# -- rendered templates are strings: read them as the API's types (the operators' arguments) ------------
def template_int(value: Any) -> Any:
    """A rendered template is a string: ``"3"`` is read as 3 (anything else is left for validation,
    which names the argument: ``"²"`` is a digit to Python, not a number to the API)."""
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value.strip())
    return value


def template_bool(value: Any) -> Any:
    """A rendered template is a string: ``"true"``/``"false"`` (any case) are read as booleans."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def strict_bool(name: str, value: Any) -> bool:
    """``value`` as a boolean: ``True``/``False`` or the text ``true``/``false`` (any case); anything else
    (``"0"``, ``"no"``, an unrendered template) is refused, naming ``name``, before any call."""
    parsed = template_bool(value)
    if not isinstance(parsed, bool):
        raise TencentCloudInputError(
            f"{name} must be true or false, got {value!r}", field=name, limit="true or false", actual=f"{value!r}"
        )
    return parsed


def template_rect(value: Any) -> Any:
    """``image_rect`` as the API's Rect: x/y/width/height in any letter case, as a dict or a JSON text."""
    if isinstance(value, str) and value.strip().startswith("{"):
        value = parse_structured(value, "image_rect", dict)
    if not isinstance(value, Mapping):
        return value
    lowered = {f"{k}".lower(): v for k, v in value.items()}
    return {k: lowered[k.lower()] for k in ("X", "Y", "Width", "Height") if k.lower() in lowered}


def template_tags(value: Any) -> Any:
    """``tags`` as the API's JSON text: a dict, its JSON, or a dict rendered as Python text.

    The sending side of :func:`normal_tags`: a dict is written with sorted keys, so the same tags
    always make the same text.
    """
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            json.loads(value)
        except ValueError:
            value = parse_structured(value, "tags", dict)  # a dict rendered as Python text
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if isinstance(value, Mapping) else value
