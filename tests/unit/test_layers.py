"""The package's import graph flows one way: each module imports only from its own layer or lower ones.

Every ``import`` statement counts, including those inside functions (a lazy import is still a
dependency). Within one layer, imports must not form a cycle. ``testing`` is apart: the emulator must
not share the client's beliefs, so it imports nothing of the provider outside ``testing`` except
``compat``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "airflow_provider_tencent"
ROOT = "airflow_provider_tencent"

# Lowest first. A module belongs to the first entry that is a prefix of its dotted name (after ROOT).
LAYERS: list[tuple[str, ...]] = [
    ("compat",),
    ("contracts",),
    ("exceptions",),
    ("utils",),
    ("validation",),
    ("hooks",),
    ("fs",),
    ("payloads",),
    ("batch",),
    ("links", "openlineage", "triggers"),
    ("operators",),
    ("sensors",),
    ("get_provider_info", "__init__"),
]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Provider modules imported anywhere in ``path`` (``TYPE_CHECKING`` blocks included)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(ROOT))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            if base.startswith(ROOT):
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
    return found


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def layer_of(name: str) -> int | None:
    """The layer index of a provider module, ``None`` for ``testing`` (checked apart)."""
    rest = name[len(ROOT) + 1 :] if name != ROOT else "__init__"
    head = rest.split(".")[0]
    if head == "testing":
        return None
    for index, names in enumerate(LAYERS):
        if head in names:
            return index
    raise AssertionError(f"{name} belongs to no layer: add it to LAYERS in {__file__}")


def real_targets(imported: set[str], modules: dict[str, Path]) -> set[str]:
    """Imported names narrowed to existing modules (``from a import b`` where b is a function → a)."""
    return {name for name in imported if name in modules}


def test_every_import_points_down_or_sideways():
    modules = all_modules()
    violations: set[tuple[str, str]] = set()
    for name, path in modules.items():
        mine = layer_of(name)
        for target in real_targets(imports_of(path), modules):
            theirs = layer_of(target)
            if mine is None:
                if theirs is not None and target != f"{ROOT}.compat":
                    violations.add((name, target))
            elif theirs is None or theirs > mine:
                violations.add((name, target))
    assert not violations, f"imports that point up a layer (importer, imported): {sorted(violations)}"


def test_no_import_cycle():
    modules = all_modules()
    graph = {name: real_targets(imports_of(path), modules) - {name} for name, path in modules.items()}
    # a package's __init__ importing its own submodules is how packages re-export; not a cycle
    for name in graph:
        graph[name] = {t for t in graph[name] if not (t.startswith(name + ".") and modules[name].name == "__init__.py")}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)
