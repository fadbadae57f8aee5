"""Tencent Cloud's own API metadata as a second oracle for what goes over the wire.

The ``tccli`` package ships, for every service and version, ``tccli/services/<service>/<version>/api.json``:
the metadata the API pages and the SDKs are generated from. Unlike the SDK's Python models
(:mod:`sdk_oracle`), it says which request members are **required** (``"required": true``), which answer
members are always sent (``"output_required"``) and which may be null (``"value_allowed_null"``), with the
type of every member, nested objects included (``"type"``: string, int, float, bool, object, list;
``"member"``: the item or object type).

Only those JSON files are read: ``tccli`` is installed without its dependencies (``ci/oracle-requirements.txt``,
``make setup``) and never imported - the files are found through ``importlib.util.find_spec``.

``check_request`` walks a request's parameters against ``<Action>Request``: every required member present,
no unknown member, every value of its declared type, recursively through objects and lists of objects.
``check_response`` walks a successful ``Response`` against ``<Action>Response`` the same way: no unknown
member, the declared types, every ``output_required`` member present and (unless ``value_allowed_null``) not
null.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any

from oracle_exchanges import VERSIONS, exchange_problems

#: The API versions of the services the provider calls (``api.json`` folder names).

#: Item types of lists that are not objects.
_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "datetime_iso": (str,),
    "int": (int,),
    "int64": (int,),
    "uint64": (int,),
    "float": (int, float),
    "bool": (bool,),
}


def _tccli_root() -> Path | None:
    try:
        spec = importlib.util.find_spec("tccli")
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else None


def api_path(service: str) -> Path | None:
    """Where ``api.json`` of ``service`` is (``None``: tccli is not installed)."""
    root = _tccli_root()
    return root / "services" / service / VERSIONS[service] / "api.json" if root else None


def _missing() -> str:
    paths = [api_path(service) for service in VERSIONS]
    if all(p is not None and p.is_file() for p in paths):
        return ""
    return (
        "the API metadata (tccli's api.json, ci/oracle-requirements.txt, installed by `make setup`) is not "
        "installed: the API metadata oracle checks NOT run"
    )


#: Why the oracle cannot run here, or "".
MISSING = _missing()


@functools.cache
def api(service: str) -> dict[str, Any]:
    """The parsed ``api.json`` of ``service`` (``actions``, ``objects``, ``metadata``)."""
    path = api_path(service)
    assert path is not None, MISSING
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def members(service: str, object_name: str) -> dict[str, dict[str, Any]]:
    """``{name: member}`` of one object of ``api.json`` (``{}`` when it has no such object)."""
    obj = api(service)["objects"].get(object_name) or {}
    return {m["name"]: m for m in obj.get("members", [])}


def _type_problem(value: Any, expected: tuple[type, ...], declared: str, path: str) -> str | None:
    if isinstance(value, expected) and (bool in expected or not isinstance(value, bool)):
        return None
    return f"{path}: {type(value).__name__} {value!r:.40}, api.json declares {declared}"


def _check_item(service: str, item_type: str, value: Any, path: str, problems: list[str], response: bool) -> None:
    """One value of type ``item_type``: a scalar name of :data:`_SCALARS`, else an object of ``api.json``."""
    if item_type in _SCALARS:
        problem = _type_problem(value, _SCALARS[item_type], item_type, path)
        if problem:
            problems.append(problem)
        return
    if not isinstance(value, dict):
        problems.append(f"{path}: {type(value).__name__} {value!r:.40}, api.json declares the object {item_type}")
        return
    _check_object(service, item_type, value, path, problems, response)


def _check_member(service: str, member: dict[str, Any], value: Any, path: str, problems: list[str], resp: bool) -> None:
    kind, item = member["type"], member["member"]
    if kind == "list":
        if not isinstance(value, list):
            problems.append(f"{path}: {type(value).__name__} {value!r:.40}, api.json declares a list of {item}")
            return
        for n, entry in enumerate(value):
            if entry is None:
                problems.append(f"{path}[{n}]: null in a list of {item}")
            else:
                _check_item(service, item, entry, f"{path}[{n}]", problems, resp)
        return
    _check_item(service, item if kind == "object" else kind, value, path, problems, resp)


def _check_object(
    service: str, object_name: str, data: dict[str, Any], path: str, problems: list[str], response: bool
) -> None:
    if object_name not in api(service)["objects"]:
        problems.append(f"{path}: api.json has no object {object_name}")
        return
    declared = members(service, object_name)
    for key in sorted(set(data) - set(declared)):
        problems.append(f"{path}.{key}: unknown to api.json's {object_name}")
    for name, member in declared.items():
        value = data.get(name)
        if value is None:
            if name in data and (not response or not member.get("value_allowed_null", True)):
                must = "may not be null" if response else "is null (leave it out)"
                problems.append(f"{path}.{name}: {must} ({object_name})")
            elif name not in data and member.get("output_required" if response else "required"):
                problems.append(f"{path}.{name}: required by api.json's {object_name} but missing")
            continue
        _check_member(service, member, value, f"{path}.{name}", problems, response)


def _action(service: str, action: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = api(service)["actions"].get(action)
    return found


def check_request(service: str, action: str, params: dict[str, Any]) -> list[str]:
    """Problems of ``params`` as the input of ``action`` (empty: api.json accepts them)."""
    meta = _action(service, action)
    if meta is None:
        return [f"{service}.{action}: no such action in api.json"]
    problems: list[str] = []
    _check_object(service, meta["input"], params, action, problems, response=False)
    return problems


def check_response(service: str, action: str, response: dict[str, Any]) -> list[str]:
    """Problems of a successful ``Response`` as the output of ``action``."""
    meta = _action(service, action)
    if meta is None:
        return [f"{service}.{action}: no such action in api.json"]
    problems: list[str] = []
    _check_object(service, meta["output"], response, f"{action}Response", problems, response=True)
    return problems


def check_exchanges(exchanges: list[dict[str, Any]]) -> list[str]:
    """Every problem of every captured exchange (the request always; the answer when it succeeded)."""
    return exchange_problems(exchanges, check_request, check_response)
