"""The official SDK's models as an oracle for what goes over the wire.

``check_request`` loads a request's parameters into ``<Action>Request`` of the service's SDK
package (``tencentcloud-sdk-python-<service>``, a test-only dependency) with ``_deserialize``,
turning the SDK's own "fileds are useless" warning (its only report of an unknown field) into a
problem, then walks the model: every field's JSON type against the ``:type:`` its docstring
declares, nested models included. Required fields come from the API documents
(:data:`REQUIRED`): the SDK's Python models do not say which are required.

``check_response`` walks ``<Action>Response`` the same way: no unknown field, the declared types,
and every declared field present unless the SDK says it may be null ("此字段可能返回 null"),
:data:`RESPONSE_OPTIONAL` explains why the service omits it, or Tencent's API metadata (the second oracle,
:mod:`api_oracle`, when installed) says the service does not always send it (``output_required`` false): the
SDK's models do not say which answer fields are always sent; the metadata does.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import warnings
from typing import Any

from oracle_exchanges import VERSIONS, exchange_problems

#: Why the oracle cannot run here (the official service SDKs - the ``oracle`` group - are not installed), or "".
MISSING = (
    ""
    if all(importlib.util.find_spec(f"tencentcloud.{service}") for service in ("tiia", "vod", "sts"))
    else "the official service SDKs (the 'oracle' dependency group) are not installed: the SDK oracle checks NOT run"
)

#: Required request parameters, from the API documents (the seeds for CreateImage and
#: CreateAigcCustomElement; the public API pages for the others).
REQUIRED: dict[str, tuple[str, ...]] = {
    "CreateImage": ("GroupId", "EntityId", "PicName"),
    "CreateGroup": ("GroupId", "GroupName", "MaxCapacity"),
    "DescribeGroups": (),
    "DescribeImages": ("GroupId", "EntityId"),
    "DeleteImages": ("GroupId", "EntityId"),
    "CreateAigcCustomElement": ("ElementName", "ElementDescription", "ElementFrontalImage", "ElementReferList"),
    "CreateAigcVideoTask": ("ModelName",),
    "CreateAigcImageTask": ("ModelName",),
    "DescribeTaskDetail": ("TaskId",),
    "DescribeTasks": (),
    "AssumeRole": ("RoleArn", "RoleSessionName"),
    "GetCallerIdentity": (),
}

#: Response fields the SDK declares that the service does not always send, and why.
RESPONSE_OPTIONAL: dict[str, str] = {
    "ObjectInfo.Colors": "colour analysis: not part of CreateImage's subject detection answer",
    "ObjectInfo.Attributes": "attribute analysis: not part of CreateImage's subject detection answer",
}

_MAY_BE_NULL = ("可能返回 null", "may return null")
_SCALARS: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "bool": (bool,), "float": (int, float)}


def models(service: str) -> Any:
    return importlib.import_module(f"tencentcloud.{service}.{VERSIONS[service]}.models")


def declared(model_cls: type) -> dict[str, tuple[str, bool]]:
    """``{field: (type text, may be null)}`` of an SDK model, from its properties' docstrings."""
    out = {}
    for attr in vars(model_cls()):
        name = attr[1:]
        doc = getattr(model_cls, name).__doc__ or ""
        match = re.search(r":rtype:\s*(.+)", doc)
        type_text = match.group(1).strip() if match else "object"
        out[name] = (type_text, any(mark in doc for mark in _MAY_BE_NULL))
    return out


def _check_value(service: str, type_text: str, value: Any, path: str, problems: list[str], response: bool) -> None:
    if value is None:
        return
    if type_text.startswith("list of "):
        if not isinstance(value, list):
            problems.append(f"{path}: {type(value).__name__}, the SDK declares {type_text}")
            return
        for n, item in enumerate(value):
            _check_value(service, type_text[len("list of ") :], item, f"{path}[{n}]", problems, response)
        return
    if type_text in _SCALARS:
        expected = _SCALARS[type_text]
        if not isinstance(value, expected) or (isinstance(value, bool) and bool not in expected):
            problems.append(f"{path}: {type(value).__name__}, the SDK declares {type_text}")
        return
    class_name = type_text.rsplit(".", 1)[-1].strip("`")
    model_cls = getattr(models(service), class_name, None)
    if model_cls is None:
        return  # a type the oracle cannot resolve: nothing to say
    if not isinstance(value, dict):
        problems.append(f"{path}: {type(value).__name__}, the SDK declares the object {class_name}")
        return
    _check_object(service, model_cls, value, path, problems, response)


def _check_object(
    service: str, model_cls: type, data: dict[str, Any], path: str, problems: list[str], response: bool
) -> None:
    fields = declared(model_cls)
    for key in sorted(set(data) - set(fields)):
        problems.append(f"{path}.{key}: unknown to the SDK's {model_cls.__name__}")
    for name, (type_text, may_be_null) in fields.items():
        if name in data:
            _check_value(service, type_text, data[name], f"{path}.{name}", problems, response)
        elif response and not may_be_null and _always_sent(service, model_cls.__name__, name):
            problems.append(f"{path}.{name}: declared by the SDK's {model_cls.__name__} but missing")


def _always_sent(service: str, class_name: str, name: str) -> bool:
    """Whether an answer must carry ``class_name.name``: not in :data:`RESPONSE_OPTIONAL`, and (when the API
    metadata is installed) marked ``output_required`` there."""
    if f"{class_name}.{name}" in RESPONSE_OPTIONAL:
        return False
    import api_oracle

    if api_oracle.MISSING:
        return True
    member = api_oracle.members(service, class_name).get(name)
    return member is None or bool(member.get("output_required"))


def _deserialize_warnings(model: Any, data: dict[str, Any]) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model._deserialize(data)
    return [f"{model.__class__.__name__}._deserialize: {w.message}" for w in caught if "useless" in f"{w.message}"]


def check_request(service: str, action: str, params: dict[str, Any]) -> list[str]:
    """Problems of ``params`` as a ``<action>Request`` (empty: the SDK would accept them)."""
    model_cls = getattr(models(service), f"{action}Request", None)
    if model_cls is None:
        return [f"{service}.{action}: no {action}Request in the SDK"]
    problems = _deserialize_warnings(model_cls(), params)
    _check_object(service, model_cls, params, action, problems, response=False)
    for name in REQUIRED.get(action, ()):
        if params.get(name) in (None, ""):
            problems.append(f"{action}.{name}: required by the API document but missing")
    return problems


def check_response(service: str, action: str, response: dict[str, Any]) -> list[str]:
    """Problems of a successful ``Response`` as ``<action>Response``."""
    model_cls = getattr(models(service), f"{action}Response", None)
    if model_cls is None:
        return [f"{service}.{action}: no {action}Response in the SDK"]
    problems: list[str] = []
    model_cls()._deserialize(response)  # must not raise
    _check_object(service, model_cls, response, f"{action}Response", problems, response=True)
    return problems


def check_exchanges(exchanges: list[dict[str, Any]]) -> list[str]:
    """Every problem of every captured exchange (the request always; the answer when it succeeded)."""
    return exchange_problems(exchanges, check_request, check_response)
