"""Public classes say what they are in one line and document every argument with a ``:param:`` line.

Design notes belong in the docs (``docs/``): a class docstring is at most :data:`MAX_LINES` lines.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

#: The modules whose ``__all__`` is what a DAG author uses.
PUBLIC_MODULES = (
    "airflow_provider_tencent.operators.image_search",
    "airflow_provider_tencent.operators.vod",
    "airflow_provider_tencent.sensors.vod",
    "airflow_provider_tencent.triggers.vod",
    "airflow_provider_tencent.hooks.image_search",
    "airflow_provider_tencent.hooks.vod",
    "airflow_provider_tencent.hooks.cos",
    "airflow_provider_tencent.links.image_search",
    "airflow_provider_tencent.links.vod",
)
MAX_LINES = 50


def public_classes() -> list[type]:
    found = []
    for name in PUBLIC_MODULES:
        module = importlib.import_module(name)
        found += [getattr(module, n) for n in module.__all__ if inspect.isclass(getattr(module, n))]
    return found


def provider_docs(cls: type) -> str:
    """The docstrings of ``cls`` and of its bases defined by this provider (shared arguments live there)."""
    return "\n".join(c.__doc__ or "" for c in cls.__mro__ if c.__module__.startswith("airflow_provider_tencent"))


def arguments(cls: type) -> list[str]:
    """The arguments of ``cls(...)`` that are the class's own (not ``**kwargs`` passed to Airflow)."""
    ours = [c for c in cls.__mro__ if c.__module__.startswith("airflow_provider_tencent")]
    if not any("__init__" in vars(c) for c in ours):
        return []
    kinds = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in inspect.signature(cls.__init__).parameters.values() if p.kind in kinds and p.name != "self"]


@pytest.mark.parametrize("cls", public_classes(), ids=lambda c: c.__name__)
def test_a_public_class_has_a_one_line_summary_and_no_essay(cls):
    doc = inspect.cleandoc(cls.__doc__ or "")
    lines = doc.splitlines()
    assert lines and lines[0].strip(), f"{cls.__name__} has no docstring"
    assert len(lines) == 1 or not lines[1].strip(), f"{cls.__name__}: the summary is more than one line"
    assert len(lines) <= MAX_LINES, f"{cls.__name__}: {len(lines)} lines; move the design notes to docs/"


@pytest.mark.parametrize("cls", public_classes(), ids=lambda c: c.__name__)
def test_every_argument_of_a_public_class_has_a_param_line(cls):
    docs = provider_docs(cls)
    assert [name for name in arguments(cls) if f":param {name}:" not in docs] == []
