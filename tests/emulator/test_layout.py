"""The emulator's layout rule: one package per service, its state and rules apart from its request parsing.

Every package under ``testing/emulator/`` is a service (named by the service's one token: ``image_search``,
``vod``, ``sts``) and holds a ``models`` module (state and rules, given a context) and a ``responses`` module
(parameter types and answer shapes). A ``models`` module never sees HTTP nor types a request's parameters; a
``responses`` module keeps no state: it writes no attribute, no module-level variable, nothing reached through
``self``. The checks read the source (:mod:`ast`), so they hold for every action, served or not yet tested; the
last two tests feed them sources that break the rule, to show that they fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from airflow_provider_tencent.testing import emulator
from airflow_provider_tencent.testing.emulator import Emulator
from airflow_provider_tencent.testing.emulator.core import Backend, Responses
from airflow_provider_tencent.testing.emulator.faults import FAULT_KINDS, FAULTS

ROOT = Path(emulator.__file__).parent
PACKAGES = sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").exists())
#: What a models module must not import: HTTP, sockets, the emulator's request path, its responses, the typing
#: of request parameters (those are the responses' job).
MODELS_MUST_NOT_IMPORT = ("http", "urllib", "socket", "email", "json.decoder")
MODELS_MUST_NOT_IMPORT_FROM_EMULATOR = ("server", "pipeline", "responses", "core.check_params")
REQUEST_NAMES = {"handler", "headers", "payload", "request", "path"}


def imported_names(tree: ast.AST) -> set[str]:
    """Dotted names a module imports (``from a import b`` gives ``a`` and ``a.b``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def models_problems(source: str) -> list[str]:
    """Why ``source`` is not a models module: it imports HTTP or request parsing, it answers actions
    (``action_*``), or a function takes a request (handler, headers, payload...)."""
    tree = ast.parse(source)
    problems = []
    prefix = emulator.__name__ + "."
    for name in sorted(imported_names(tree)):
        rest = name[len(prefix) :] if name.startswith(prefix) else ""
        if name.split(".")[0] in MODELS_MUST_NOT_IMPORT or any(
            rest == bad or rest.endswith("." + bad) or rest.startswith(bad + ".")
            for bad in MODELS_MUST_NOT_IMPORT_FROM_EMULATOR
        ):
            problems.append(f"imports {name}")
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name.startswith("action_"):
                problems.append(f"{node.name}: answers an action")
            taken = {a.arg for a in [*node.args.args, *node.args.kwonlyargs]} & REQUEST_NAMES
            problems += [f"{node.name}: takes {name}" for name in sorted(taken)]
    return problems


def _rooted_at_self(target: ast.expr) -> bool:
    while isinstance(target, (ast.Attribute, ast.Subscript)):
        target = target.value
    return isinstance(target, ast.Name) and target.id == "self"


def responses_problems(source: str) -> list[str]:
    """Why ``source`` keeps state: a ``global``/``nonlocal``, an ``__init__`` of its own, a write through
    ``self`` (an attribute, or an item of something reached from it), or a module-level name that is not a
    constant (UPPER_CASE)."""
    tree = ast.parse(source)
    problems = []
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        for target in targets:
            if isinstance(target, ast.Name) and not target.id.lstrip("_").isupper():
                problems.append(f"module-level variable {target.id}")
    for node in ast.walk(tree):
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            problems.append(f"{type(node).__name__.lower()} {', '.join(node.names)}")
        elif isinstance(node, ast.FunctionDef) and node.name == "__init__":
            problems.append("defines __init__")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            problems += [f"line {node.lineno}: writes through self" for t in targets if _rooted_at_self(t)]
    return problems


def test_every_package_is_a_service_with_models_and_responses():
    assert PACKAGES == ["image_search", "sts", "vod"]
    for package in PACKAGES:
        assert (ROOT / package / "models.py").is_file(), package
        assert (ROOT / package / "responses.py").is_file(), package


@pytest.mark.parametrize("package", PACKAGES)
def test_models_do_not_parse_http(package):
    source = (ROOT / package / "models.py").read_text(encoding="utf-8")
    assert models_problems(source) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_responses_hold_no_state(package):
    source = (ROOT / package / "responses.py").read_text(encoding="utf-8")
    assert responses_problems(source) == []


def test_each_served_service_is_one_package_of_models_and_responses():
    """The facade serves each API service through its package's responses, over its package's models (built
    with the context), and a responses object holds only its backend."""
    emu = Emulator()
    assert set(emu.services) == {"tiia", "vod", "sts"}
    for front in emu.services.values():
        package = type(front).__module__.rsplit(".", 1)[0]
        assert isinstance(front, Responses) and type(front).__module__ == f"{package}.responses"
        assert isinstance(front.backend, Backend) and type(front.backend).__module__ == f"{package}.models"
        assert front.backend.context is emu.context
        assert vars(front) == {"backend": front.backend}
    assert emu.services["tiia"].backend is emu.image_search and emu.services["vod"].backend is emu.vod


def test_the_models_check_fails_on_a_models_module_that_parses_a_request():
    source = (
        "import json\nfrom urllib.parse import parse_qsl\n"
        "from airflow_provider_tencent.testing.emulator.core import check_params\n"
        "class B:\n    def action_X(self, payload):\n        return json.loads(payload)\n"
    )
    assert models_problems(source) == [
        "imports airflow_provider_tencent.testing.emulator.core.check_params",
        "imports urllib.parse",
        "imports urllib.parse.parse_qsl",
        "action_X: answers an action",
        "action_X: takes payload",
    ]


def test_the_responses_check_fails_on_a_responses_module_with_state():
    source = (
        "SEEN = {}\ncache = []\n"
        "class R:\n"
        "    def __init__(self, backend):\n        self.backend = backend\n"
        "    def action_X(self, params):\n"
        "        global cache\n        self.last = params\n        self.backend.groups['g'] = params\n"
        "        self.calls += 1\n"
    )
    assert responses_problems(source) == [
        "module-level variable cache",
        "defines __init__",
        "line 5: writes through self",
        "global cache",
        "line 8: writes through self",
        "line 9: writes through self",
        "line 10: writes through self",
    ]


def kind_comparisons(source: str) -> list[str]:
    """Comparisons of something with a fault kind's name (``kind == "reset"``, ``kind in ("a", "b")``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for side in [node.left, *node.comparators]:
                values = side.elts if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [side]
                found += [
                    f"line {node.lineno}: {v.value}"
                    for v in values
                    if isinstance(v, ast.Constant) and v.value in FAULT_KINDS
                ]
    return found


def test_faults_are_a_table_not_an_if_chain():
    """Every kind has one row of ``FAULTS`` (when it acts, what it does); nothing compares a kind by name."""
    assert tuple(FAULTS) == FAULT_KINDS and all(row.stage in ("before", "after") for row in FAULTS.values())
    for name in ("faults.py", "pipeline.py"):
        assert kind_comparisons((ROOT / name).read_text(encoding="utf-8")) == [], name
    assert kind_comparisons('if kind == "throttle" or kind in ("reset", "latency"):\n    pass\n') == [
        "line 1: throttle",
        "line 1: reset",
        "line 1: latency",
    ]
