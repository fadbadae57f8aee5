"""The CAM permissions: declared once (``contracts/permissions.py``), listed on each how-to, and complete.

* every operator and sensor of the provider has an entry in ``TASK_PERMISSIONS``;
* its how-to section has a "Permissions" part naming every action of that entry;
* statically, as far as the source shows it: the Tencent Cloud API actions that an operator's code can reach
  through its hook are exactly the ``tiia:``/``vod:`` actions declared for it. The operator's code is its class
  and base classes inside the provider, plus the module-level classes and functions they name (transitively,
  across the provider's modules); a hook method's actions are the literal or contract-named actions it calls,
  and those of the hook methods it calls. A method whose action is a parameter (``create_aigc_task``) stands
  for the operator's own ``action_contract``. Limits: a call made through a name this walk does not follow (a
  callback stored elsewhere, ``getattr``) is not seen; the COS actions are not derived (s3fs chooses the
  requests), only checked to be listed on the pages.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from functools import cache
from pathlib import Path

import pytest
from test_docs_howtos import DOCS, public_operators

import airflow_provider_tencent
from airflow_provider_tencent.contracts import image_search as tiia_contract
from airflow_provider_tencent.contracts import vod as vod_contract
from airflow_provider_tencent.contracts.permissions import CONNECTION_PERMISSIONS, TASK_PERMISSIONS
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.hooks.vod import VodHook

PACKAGE = airflow_provider_tencent.__name__
SERVICE_HOOKS = {ImageSearchHook: ("tiia", tiia_contract), VodHook: ("vod", vod_contract)}
PARAMETRIC = "<action parameter>"


def _class_ast(cls: type) -> ast.ClassDef:
    return ast.parse(inspect.getsource(cls).strip()).body[0]  # type: ignore[return-value]


def _hook_call_graph() -> dict[str, tuple[set[str], set[str]]]:
    """For each service-hook method: (CAM actions it calls itself, the ``self`` methods it calls)."""
    graph: dict[str, tuple[set[str], set[str]]] = {}
    for hook, (service, contract) in SERVICE_HOOKS.items():
        for node in _class_ast(hook).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            actions: set[str] = set()
            calls: set[str] = set()
            for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
                func = call.func
                if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
                    continue
                if func.value.id != "self":
                    continue
                if func.attr in ("_call", "call"):
                    action = call.args[0 if func.attr == "_call" else 2]
                    actions.add(_action_name(service, contract, action))
                else:
                    calls.add(func.attr)
            graph[node.name] = (actions, calls)
    return graph


def _action_name(service: str, contract: object, node: ast.expr) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return f"{service}:{node.value}"
    # contract.CREATE_AIGC_CUSTOM_ELEMENT.action
    if isinstance(node, ast.Attribute) and node.attr == "action" and isinstance(node.value, ast.Attribute):
        return f"{service}:{getattr(contract, node.value.attr).action}"
    return PARAMETRIC


@cache
def hook_actions() -> dict[str, frozenset[str]]:
    """Each service-hook method's CAM actions, through the hook methods it calls."""
    graph = _hook_call_graph()

    def reach(name: str, seen: set[str]) -> set[str]:
        if name in seen or name not in graph:
            return set()
        seen.add(name)
        own, calls = graph[name]
        return own.union(*(reach(c, seen) for c in calls))

    return {name: frozenset(reach(name, set())) for name in graph}


def _module_names(module: object) -> dict[str, object]:
    """The provider's classes and functions a module can name (defined there or imported into it)."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if (inspect.isclass(obj) or inspect.isfunction(obj))
        and (getattr(obj, "__module__", "") or "").startswith(PACKAGE)
        and obj not in SERVICE_HOOKS
        and not (getattr(obj, "__module__", "") or "").startswith(f"{PACKAGE}.hooks")
    }


def code_of(cls: type) -> list[ast.AST]:
    """The syntax trees of ``cls``'s provider bases and of every provider class or function they name."""
    todo: list[object] = [c for c in cls.__mro__ if c.__module__.startswith(PACKAGE)]
    seen: set[object] = set()
    trees: list[ast.AST] = []
    while todo:
        obj = todo.pop()
        if obj in seen:
            continue
        seen.add(obj)
        try:
            tree = ast.parse(inspect.getsource(obj).strip())  # type: ignore[arg-type]
        except (OSError, TypeError, SyntaxError):
            continue
        trees.append(tree)
        names = _module_names(importlib.import_module(obj.__module__))  # type: ignore[attr-defined]
        todo += [names[n.id] for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in names]
    return trees


def reachable_api_actions(cls: type) -> set[str]:
    """The ``tiia:``/``vod:`` actions ``cls``'s code can call through a service hook's methods."""
    methods = hook_actions()
    found: set[str] = set()
    for tree in code_of(cls):
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in methods:
                found |= methods[node.attr]
    if PARAMETRIC in found:
        found.discard(PARAMETRIC)
        contract = cls.action_contract  # type: ignore[attr-defined]
        found.add(f"{contract.service}:{contract.action}")
    return found


def _classes() -> dict[str, type]:
    out = {}
    for path in public_operators():
        module, _, name = path.rpartition(".")
        out[name] = getattr(importlib.import_module(module), name)
    return out


def test_every_operator_and_sensor_declares_its_permissions():
    assert set(TASK_PERMISSIONS) == set(_classes())


@pytest.mark.parametrize("name", sorted(TASK_PERMISSIONS))
def test_the_declared_api_actions_are_those_the_code_can_call(name):
    declared = {p.action for p in TASK_PERMISSIONS[name] if p.service in ("tiia", "vod")}
    assert reachable_api_actions(_classes()[name]) == declared


def test_the_walk_finds_hook_actions_at_all():
    """The static walk is not vacuous: a known chain (DeleteImages settles with DescribeImages) is found."""
    assert hook_actions()["delete_images"] == {"tiia:DeleteImages", "tiia:DescribeImages"}
    assert hook_actions()["create_aigc_task"] == {PARAMETRIC}


def _permissions_section(name: str) -> str:
    """The "Permissions" part of ``name``'s how-to section (up to the next section of the same level)."""
    for page in DOCS.glob("*.rst"):
        text = page.read_text()
        title = re.search(rf"^.*``{name}``\n([=-])[=-]+$", text, re.MULTILINE)
        if not title:
            continue
        rest = text[title.end() :]
        if title.group(1) == "-":  # a section of a shared page: it ends at the next operator's section
            following = re.search(r"^.*``\w+(?:Operator|Sensor)``\n-{3,}$", rest, re.MULTILINE)
            rest = rest[: following.start()] if following else rest
        found = re.search(
            r"^(?:\*\*)?Permissions(?:\*\*)?\n(?:[-~^]{3,}\n)?(.*?)(?=^\S.*\n[-=~^]{3,}$|\Z)", rest, re.M | re.S
        )
        return found.group(1) if found else ""
    return ""


@pytest.mark.parametrize("name", sorted(TASK_PERMISSIONS))
def test_each_howto_lists_every_permission_of_its_operator(name):
    section = _permissions_section(name)
    assert section, f"no Permissions part in the how-to of {name}"
    missing = sorted({p.action for p in TASK_PERMISSIONS[name]} - set(re.findall(r"``(\w+:\w+)``", section)))
    assert not missing, f"{name}'s how-to does not list {missing}"


def test_the_connection_guide_lists_the_connection_permissions():
    text = (DOCS.parent / "connection.rst").read_text()
    assert all(f"``{p.action}``" in text for p in CONNECTION_PERMISSIONS)


def test_the_permissions_page_includes_the_generated_table():
    page = (DOCS.parent / "permissions.rst").read_text()
    assert ".. include:: _generated/permissions.inc" in page
    assert Path(DOCS.parent / "conf.py").read_text().count("write_permissions") >= 2
