"""Every operator and sensor of the provider has a how-to, and every how-to sample is included, not copied.

Sphinx (``make docs``, warnings as errors) already fails when a ``literalinclude`` marker is missing; this
test fails when a new operator lands without a how-to page section, or when a page shows code that is not
included from a DAG file.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

from airflow.sdk import BaseOperator

import airflow_provider_tencent.operators
import airflow_provider_tencent.sensors

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operators"
INCLUDE = re.compile(r"^\.\. literalinclude:: \.\./\.\./((?:dags|tests/dags)/\w+\.py)$", re.MULTILINE)


def public_operators() -> set[str]:
    found = set()
    for package in (airflow_provider_tencent.operators, airflow_provider_tencent.sensors):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for name, obj in vars(module).items():
                if (
                    inspect.isclass(obj)
                    and issubclass(obj, BaseOperator)
                    and obj.__module__ == module.__name__
                    and name == obj.__name__
                    and not name.startswith("_")
                    and not inspect.isabstract(obj)
                    and name.endswith(("Operator", "Sensor"))
                    and not name.startswith("TencentCloud")  # the base classes
                ):
                    found.add(f"{module.__name__}.{name}")
    return found


def test_every_operator_has_a_howto_section_with_an_included_sample():
    pages = {page.name: page.read_text() for page in DOCS.glob("*.rst")}
    missing = []
    for path in sorted(public_operators()):
        name = path.rsplit(".", 1)[-1]
        title = re.compile(rf"^.*``{name}``\n[=-]+$", re.MULTILINE)
        holders = [text for text in pages.values() if f":class:`~{path}`" in text and title.search(text)]
        if not holders:
            missing.append(path)
            continue
        # the section (from its title to the next one) includes a sample
        text = holders[0]
        start = title.search(text).end()  # type: ignore[union-attr]
        following = re.search(r"^.+\n[=-]{3,}$", text[start:], re.MULTILINE)
        section = text[start : start + following.start()] if following else text[start:]
        if not INCLUDE.search(section):
            missing.append(f"{path} (no literalinclude in its section)")
    assert missing == [], f"operators without a how-to section and an included sample: {missing}"


def test_samples_are_included_from_existing_dag_files_and_never_written_inline():
    root = DOCS.parents[1]
    for page in DOCS.glob("*.rst"):
        text = page.read_text()
        assert ".. code-block:: python" not in text and "\n.. code:: python" not in text, page.name
        for included in INCLUDE.findall(text):
            assert (root / included).is_file(), (page.name, included)
