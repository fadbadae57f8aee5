"""The example DAGs' docs in the UI, and the example DAGs run with ``logical_date: null`` (part of ``ui_check.py``).

Airflow 3 lets a run have no logical date (the REST API's ``logical_date: null``, Asset-triggered runs): no
``ds`` nor ``data_interval_start`` then. Here, in the Airflow that ``ui_check.py`` started:

1. ``tencent_gallery_ingest``, ``tencent_aigc_subjects`` and then ``tencent_gallery_sync`` are triggered through
   ``POST /api/v2/dags/{dag_id}/dagRuns`` with ``{"logical_date": null, "conf": ...}``; each run must succeed
   (bounded wait) with no logical date and no data interval, and write what it should: the ingest's manifest
   under its ``run_after`` day, every picture once in the gallery, the subjects' ElementIds in their file;
2. each DAG's ``doc_md`` (REST) is its module's docstring, and the DAG page's "Dag Docs" dialog in Chromium
   shows ``tencent_gallery_ingest``'s.

``tencent_aigc_video`` (it needs a triggerer) is triggered the same way by ``aigc_video_check.py``.
"""

from __future__ import annotations

import ast
import json
import re
import time
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_DAGS = sorted(p.stem for p in (REPO / "dags").glob("*.py"))
DOCS_DAG = "tencent_gallery_ingest"
PICTURES = 3  # uploaded under the REST ingest's own prefix
RUN_TIMEOUT = 240  # one run reaching a final state
CONN_ID = "tencentcloud_default"  # the stack's connection to the emulator and local S3


def docstring(dag_id: str) -> str:
    """The module docstring of ``dags/<dag_id>.py``, as Python reads it."""
    return ast.get_docstring(ast.parse((REPO / "dags" / f"{dag_id}.py").read_text())) or ""


def require(condition: object, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def quoted(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def example_dag_checks(ui: Any) -> None:
    """The steps above (the runs first: the DAG page is complete once the DAG has runs), each one a check of ``ui``
    (a ``ui_check.Browser``)."""
    runs = NullDateRuns(ui)
    if ui.step("null logical date runs triggered", runs.trigger):
        ui.step("null logical date gallery ingest", runs.ingest)
        ui.step("null logical date aigc subjects", runs.subjects)
        ui.step("null logical date gallery sync", runs.sync)
    ui.step("dag docs of the example dags", lambda: docs_shown(ui))


def docs_shown(ui: Any) -> str:
    page, stack = ui.page, ui.stack
    for dag_id in EXAMPLE_DAGS:
        doc_md = stack.api("GET", f"/api/v2/dags/{dag_id}/details")["doc_md"] or ""
        require(doc_md.strip() == docstring(dag_id).strip(), f"{dag_id}: doc_md is not its docstring: {doc_md[:80]!r}")
    ui.close_dialogs()
    ui.goto(f"/dags/{DOCS_DAG}")
    # the header is drawn anew when the Overview arrives (see ui_check's dag_page): that first, then the dialog
    expect(page.get_by_role("heading", name=re.compile(r"^Last \d+ Dag Runs?$"))).to_be_visible()
    ui.settle()
    dialog = ui.open_dialog(page.get_by_role("button", name="Dag Docs").filter(visible=True).first)
    expect(dialog.get_by_text("Dag Documentation").first).to_be_visible()
    # lines without Markdown marks read the same on the page as in the docstring
    plain = [line for line in docstring(DOCS_DAG).splitlines() if line and not set(line) & set("`*_#[]")]
    require(len(plain) >= 3, f"{DOCS_DAG}'s docstring has {len(plain)} plain lines")
    for line in (plain[0], plain[-1]):
        expect(dialog).to_contain_text(line)
    ui.close_dialogs()
    return f"doc_md of {len(EXAMPLE_DAGS)} DAGs is their docstring; {DOCS_DAG}'s Dag Docs show {plain[0]!r}..."


class NullDateRuns:
    """The three runs (triggered once, even when a step is retried) and their checks."""

    def __init__(self, ui: Any) -> None:
        self.stack = ui.stack
        self.bucket = self.stack.env["TENCENT_GALLERY_BUCKET"]
        self.group = self.stack.env["TENCENT_GALLERY_GROUP_ID"]
        self.conf = {
            "tencent_gallery_ingest": {
                "source_prefix": f"cos://{self.bucket}/rest/incoming/",
                "manifest_prefix": f"cos://{self.bucket}/rest/manifests",
                "group_id": self.group,
            },
            "tencent_aigc_subjects": {
                "subject_name": "rest",
                "output_path": f"cos://{self.bucket}/rest/element_ids.json",
            },
            "tencent_gallery_sync": {
                "source_prefix": f"cos://{self.bucket}/rest/incoming/",
                "manifest_path": f"cos://{self.bucket}/rest/sync.json",
                "group_id": self.group,
            },
        }
        self.run_ids: dict[str, str] = {}

    def start(self, dag_id: str) -> None:
        if dag_id in self.run_ids:  # a retried step: never trigger twice
            return
        self.stack.api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        body = {"logical_date": None, "conf": self.conf[dag_id]}
        run = self.stack.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", body)
        self.run_ids[dag_id] = run["dag_run_id"]

    def trigger(self) -> str:
        """Pictures uploaded, the gallery created, the ingest and subjects runs triggered (the sync comes after)."""
        from airflow_provider_tencent.fs.storage import to_storage_path
        from airflow_provider_tencent.testing.images import make_image

        self.stack.emulator.create_group(self.group, "UI check gallery", capacity=1000)
        for n in range(PICTURES):
            path = to_storage_path(f"{self.conf['tencent_gallery_ingest']['source_prefix']}rest-{n}.png", CONN_ID)
            path.write_bytes(make_image(640, 480, "png", seed=200 + n))
        for dag_id in ("tencent_gallery_ingest", "tencent_aigc_subjects"):
            parsed = f"/api/v2/dags/{dag_id}"
            self.stack.wait_for(f"DAG {dag_id} to be parsed", lambda p=parsed: self.stack.api("GET", p), 60)
            self.start(dag_id)
        return f"runs {self.run_ids}"

    def finished(self, dag_id: str) -> dict[str, Any]:
        """The run, once final; it must have succeeded with no logical date and no data interval."""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quoted(self.run_ids[dag_id])}"
        started = time.monotonic()
        self.stack.wait_for(
            f"{dag_id} run to finish",
            lambda: self.stack.api("GET", path)["state"] in ("success", "failed"),
            RUN_TIMEOUT,
            ("scheduler",),
        )
        run: dict[str, Any] = self.stack.api("GET", path)
        tis = self.stack.api("GET", f"{path}/taskInstances")["task_instances"]
        states = {t["task_id"] + (f"[{t['map_index']}]" if t["map_index"] >= 0 else ""): t["state"] for t in tis}
        require(run["state"] == "success", f"{dag_id} run {run['state']}; tasks {states}")
        dates = {k: run[k] for k in ("logical_date", "data_interval_start", "data_interval_end")}
        require(set(dates.values()) == {None}, f"{dag_id} run has {dates}")
        run["took"] = f"{time.monotonic() - started:.0f}s"
        return run

    def ingest(self) -> str:
        from airflow_provider_tencent.fs.storage import to_storage_path

        run = self.finished("tencent_gallery_ingest")
        day = datetime.fromisoformat(run["run_after"].replace("Z", "+00:00")).strftime("%Y%m%d")
        manifest = f"{self.conf['tencent_gallery_ingest']['manifest_prefix']}/{day}/manifest.jsonl"
        records = [json.loads(line) for line in to_storage_path(manifest, CONN_ID).read_text().splitlines()]
        stored = {(p["EntityId"], p["PicName"]) for p in self.stack.emulator.images(self.group)}
        require(len(records) == PICTURES, f"{manifest}: {len(records)} records")
        require({r["status"] for r in records} == {"created"}, f"{manifest}: {[r['status'] for r in records]}")
        require({(r["EntityId"], r["PicName"]) for r in records} == stored, f"{manifest} != gallery {stored}")
        return f"success in {run['took']}, run_after {run['run_after']}: {manifest} lists the {PICTURES} pictures"

    def subjects(self) -> str:
        from airflow_provider_tencent.fs.storage import to_storage_path

        run = self.finished("tencent_aigc_subjects")
        output = self.conf["tencent_aigc_subjects"]["output_path"]
        written = json.loads(to_storage_path(output, CONN_ID).read_text())
        created = {e["ElementName"]: e["ElementId"] for e in self.stack.emulator.elements()}
        require(written and written == {k: v for k, v in created.items() if k.startswith("rest-")}, f"{written}")
        return f"success in {run['took']}: {output} holds {written}"

    def sync(self) -> str:
        self.start("tencent_gallery_sync")
        before = len(self.stack.emulator.images(self.group))
        run = self.finished("tencent_gallery_sync")
        after = len(self.stack.emulator.images(self.group))
        require(before == after == PICTURES, f"the gallery held {before} pictures, then {after}")
        return f"success in {run['took']}: the gallery still holds its {after} pictures (adopted, none twice)"
