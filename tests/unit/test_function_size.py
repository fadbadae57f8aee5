"""Every function in the package (the emulator under ``testing/`` included) stays at most 60 lines long.

Ruff has no rule for a function's length in lines (its complexity rules C901 and PLR0915 count branches and
statements), so this test parses every module of ``airflow_provider_tencent`` with :mod:`ast` and measures each
function and method from its ``def`` line to its last line (``end_lineno - lineno + 1``; decorators are not
counted, docstrings and comments are). A failure names every function over the limit with its module, line and
length, so the split can start with the longest.
"""

from __future__ import annotations

import ast
from pathlib import Path

import airflow_provider_tencent

MAX_FUNCTION_LINES = 60
PACKAGE_DIR = Path(airflow_provider_tencent.__file__).resolve().parent


def function_sizes(source: str) -> list[tuple[str, int, int]]:
    """Return ``(qualified name, def line, length in lines)`` for every function and method in ``source``.

    Nested functions are measured too (their lines also count toward the enclosing function); the qualified
    name joins the enclosing class and function names with dots.
    """
    sizes: list[tuple[str, int, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                end = child.end_lineno if child.end_lineno is not None else child.lineno
                sizes.append((name, child.lineno, end - child.lineno + 1))
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return sizes


def test_function_sizes_counts_from_def_to_last_line_without_decorators() -> None:
    source = "@decorator\n@other\ndef f():\n    x = 1\n\n    return x\n\nclass C:\n    def m(self):\n        pass\n"
    assert function_sizes(source) == [("f", 3, 4), ("C.m", 9, 2)]


def test_no_package_function_is_longer_than_the_limit() -> None:
    modules = sorted(PACKAGE_DIR.rglob("*.py"))
    assert modules, f"no modules found under {PACKAGE_DIR}"
    too_long = [
        (length, f"{path.relative_to(PACKAGE_DIR)}:{line} {name} is {length} lines")
        for path in modules
        for name, line, length in function_sizes(path.read_text(encoding="utf-8"))
        if length > MAX_FUNCTION_LINES
    ]
    too_long.sort(reverse=True)
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines (split them into named helpers):\n" + "\n".join(
        message for _, message in too_long
    )
