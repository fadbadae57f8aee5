"""Sphinx configuration of the provider's documentation (``make docs``).

The build needs no network (no intersphinx, no remote images) and treats warnings as errors
(``-W`` in the Makefile). The connection field table is generated from the provider's own
declaration (``get_provider_info()``), so the guide cannot drift from the form.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
BUILD = DOCS / "_build"
sys.path.insert(0, str(ROOT))
# autodoc imports Airflow: a throw-away AIRFLOW_HOME, never the reader's ~/airflow
os.environ["AIRFLOW_HOME"] = str(BUILD / "airflow_home")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

from airflow_provider_tencent import __version__  # noqa: E402
from airflow_provider_tencent.contracts.permissions import CONNECTION_PERMISSIONS, TASK_PERMISSIONS  # noqa: E402
from airflow_provider_tencent.get_provider_info import get_provider_info  # noqa: E402

project = "airflow-provider-tencent"
author = "airflow-provider-tencent contributors"
copyright = "the airflow-provider-tencent contributors, Apache License 2.0"
version = release = __version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.viewcode"]
exclude_patterns = ["_build", "_generated"]
templates_path: list[str] = []
html_theme = "furo"
html_title = f"Tencent Cloud provider for Apache Airflow {release}"
html_static_path: list[str] = []
html_show_sourcelink = False

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "signature"
autodoc_class_signature = "separated"
# Airflow's own classes are not documented here: their bases are shown by name, not linked
nitpicky = False


def _cell(text: object) -> str:
    return " ".join(f"{text}".split()).replace("|", "\\|") or " "


def write_connection_fields() -> None:
    """``_generated/connection_fields.inc``: the ``tencentcloud`` connection's fields, as declared."""
    (conn_type,) = (c for c in get_provider_info()["connection-types"] if c["connection-type"] == "tencentcloud")
    behaviour = conn_type["ui-field-behaviour"]
    relabel = behaviour["relabeling"]
    rows = [
        ("login", relabel["login"], "", "The API key's SecretId."),
        ("password", relabel["password"], "", "The API key's SecretKey (never logged, never shown again)."),
    ]
    for name, spec in conn_type["conn-fields"].items():
        schema = spec.get("schema", {})
        default = schema.get("default", "")
        choices = schema.get("enum")
        description = spec.get("description", "")
        if choices:
            description += " One of: " + ", ".join(f"``{c}``" for c in choices if c is not None) + "."
        rows.append((name, spec["label"], f"``{default}``" if default != "" else "", description))
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 18 20 14 48",
        "",
        "   * - field (extra key)",
        "     - label in the form",
        "     - default",
        "     - meaning",
    ]
    for name, label, default, description in rows:
        lines += [f"   * - ``{name}``", *(f"     - {_cell(cell)}" for cell in (label, default, description))]
    hidden = ", ".join(f"``{f}``" for f in behaviour.get("hidden-fields", []))
    lines += ["", f"Hidden in the form: {hidden}.", ""]
    _write_generated("connection_fields.inc", "\n".join(lines))


def _write_generated(name: str, text: str) -> None:
    out = DOCS / "_generated" / name
    out.parent.mkdir(exist_ok=True)
    if not out.exists() or out.read_text() != text:  # unchanged: no rebuild of the page
        out.write_text(text)


def write_permissions() -> None:
    """``_generated/permissions.inc``: each task's CAM actions, from ``contracts/permissions.py``.

    One row per operator or sensor: the API actions it calls on every run, those it calls when needed, and the
    COS actions of its ``cos://`` arguments (each how-to's *Permissions* section says when).
    """
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "   :widths: 30 40 30",
        "",
        "   * - operator or sensor",
        "     - Tencent Cloud API actions",
        "     - COS actions (``cos://`` arguments only)",
    ]
    for name, permissions in [*TASK_PERMISSIONS.items(), ("the connection", CONNECTION_PERMISSIONS)]:
        api = [p for p in permissions if p.service != "cos"]
        always = [f"``{p.action}``" for p in api if p.always]
        needed = [f"``{p.action}``" for p in api if not p.always and f"``{p.action}``" not in always]
        multipart = {"cos:InitiateMultipartUpload", "cos:UploadPart", "cos:CompleteMultipartUpload"}
        cos = sorted({f"``{p.action}``" for p in permissions if p.service == "cos" and p.action not in multipart})
        if any(p.action in multipart for p in permissions):
            cos.append("the multipart upload actions (files over 50 MB)")
        cell = ", ".join(always)
        if needed:
            cell += ("; when needed: " if always else "when needed: ") + ", ".join(dict.fromkeys(needed))
        label = name if " " in name else f"``{name}``"
        lines += [f"   * - {label}", f"     - {cell}", f"     - {', '.join(cos) or 'none'}"]
    _write_generated("permissions.inc", "\n".join([*lines, ""]))


write_connection_fields()
write_permissions()
