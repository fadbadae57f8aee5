"""The AIGC video DAG in a real Airflow with a real triggerer, seen in a headless browser.

Run: ``.venv/bin/python tests/ui/aigc_video_check.py``.

A separate check next to ``ui_check.py`` (it reuses that file's stack and browser helpers and changes none of
them). It starts the same throw-away Airflow (api-server, scheduler, dag-processor, LocalExecutor, SQLite) plus
an ``airflow triggerer`` process, with the emulator and local S3, then:

1. triggers ``tencent_aigc_video`` (REST API) with the form's defaults and ``logical_date: null``;
2. waits until ``make_video`` is ``deferred`` and sees that state in the UI (the task instance page);
3. kills the triggerer while it polls (SIGTERM, then SIGKILL of its group) and starts a new one;
4. waits for the run to succeed and sees ``make_video`` succeeded in the UI;
5. checks the emulator holds exactly one generation task (its SubjectInfos are the ElementIds created) and
   the output file names the copied video, which exists in storage.

Screenshots go to ``.artifacts/ui/aigc/``. Last line: ``ui-aigc: N passed, M failed``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ui_check
from playwright.sync_api import expect, sync_playwright

DAG = "tencent_aigc_video"
TASK_SECONDS = 45.0  # how long the emulated generation task runs: time to see it deferred and restart the triggerer


def main() -> int:
    ui_check.ARTIFACTS = ui_check.ARTIFACTS / "aigc"
    ui_check.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    checks = ui_check.Checks()
    started = time.monotonic()
    try:
        with contextlib.ExitStack() as exit_stack:
            stack = ui_check.Stack(exit_stack)
            stack.env["TENCENT_AIGC_POLL_SECONDS"] = "1"
            stack.start_services()
            stack.emulator.aigc_duration = TASK_SECONDS
            stack.start_airflow()
            start_triggerer(stack, "triggerer")
            stack.wait_ready()
            stack.wait_for(f"DAG {DAG} to be parsed", lambda: stack.api("GET", f"/api/v2/dags/{DAG}"), 120)
            run_checks(stack, checks)
    except Exception as exc:
        traceback.print_exc()
        checks.record("set-up", False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    ui_check.log(f"took {time.monotonic() - started:.0f}s")
    print(f"ui-aigc: {checks.passed} passed, {checks.failed} failed", flush=True)
    return 1 if checks.failed or not checks.passed else 0


def start_triggerer(stack: ui_check.Stack, name: str) -> ui_check.Process:
    cmd = [str(ui_check.BIN / "airflow"), "triggerer"]
    process = ui_check.Process(name, cmd, stack.env, stack.home, stack.home / f"{name}.log")
    stack.processes[name] = process
    stack.exit.callback(stack._stop_process, process)
    ui_check.log(f"started {name} (pid {process.proc.pid})")
    return process


def run_checks(stack: ui_check.Stack, checks: ui_check.Checks) -> None:
    stack.api("PATCH", f"/api/v2/dags/{DAG}", {"is_paused": False})
    run = stack.api("POST", f"/api/v2/dags/{DAG}/dagRuns", {"logical_date": None})
    run_id = run["dag_run_id"]
    run_path = f"/api/v2/dags/{DAG}/dagRuns/{ui_check.quoted(run_id)}"
    ui_task = f"/dags/{DAG}/runs/{ui_check.quoted(run_id)}/tasks/make_video"
    ui_check.log(f"triggered {run_id}")

    def state_of(task: str) -> str:
        tis = stack.api("GET", f"{run_path}/taskInstances?task_id={task}")["task_instances"]
        return str(tis[0]["state"]) if tis else ""

    ui_check.expect.set_options(timeout=ui_check.UI_TIMEOUT_MS)
    profile = tempfile.mkdtemp(prefix="ui-aigc-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=ui_check.CHROMIUM,
                headless=True,
                args=ui_check.CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000},
                locale="en-US",
                timezone_id="UTC",
            )
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(ui_check.UI_TIMEOUT_MS)
                ui = ui_check.Browser(stack, checks, page)

                def deferred() -> str:
                    stack.wait_for("make_video to defer", lambda: state_of("make_video") == "deferred", 240)
                    ui.goto(ui_task)
                    expect(page.get_by_text("Deferred", exact=True).first).to_be_visible()
                    tasks = stack.emulator.aigc_tasks()
                    ui_check.require(len(tasks) == 1, f"{len(tasks)} generation tasks while deferred")
                    return f"make_video deferred (UI shows Deferred); task {tasks[0]['TaskId']}"

                def triggerer_restart() -> str:
                    stack.wait_for("a poll", lambda: stack.emulator.aigc_tasks()[0]["polls"] >= 2, 60)
                    old = stack.processes.pop("triggerer")
                    polls = stack.emulator.aigc_tasks()[0]["polls"]
                    old.stop(grace=5)
                    ui_check.require(not old.alive(), "the triggerer survived")
                    start_triggerer(stack, "triggerer2")
                    stack.wait_for(
                        "the new triggerer to poll", lambda: stack.emulator.aigc_tasks()[0]["polls"] > polls + 1, 120
                    )
                    return f"triggerer killed after {polls} polls; the new one polls the same task"

                def succeeded() -> str:
                    final = stack.wait_for(
                        f"run {run_id} to finish",
                        lambda: (s := stack.api("GET", run_path)["state"]) in ("success", "failed") and s,
                        ui_check.RUN_TIMEOUT,
                        ("scheduler", "triggerer2"),
                    )
                    ui_check.require(final == "success", f"run {final}")
                    dates = {k: stack.api("GET", run_path)[k] for k in ("logical_date", "data_interval_start")}
                    ui_check.require(set(dates.values()) == {None}, f"triggered with logical_date null, has {dates}")
                    ui.goto(ui_task)
                    expect(page.get_by_text("Success", exact=True).first).to_be_visible()
                    return f"run success; make_video {state_of('make_video')}"

                def one_task_and_files() -> str:
                    from airflow_provider_tencent.fs.storage import to_storage_path

                    tasks = stack.emulator.aigc_tasks()
                    ui_check.require(len(tasks) == 1, f"{len(tasks)} generation tasks")
                    elements = sorted(e["ElementId"] for e in stack.emulator.elements())
                    subjects = sorted(s["Id"] for s in tasks[0]["params"]["SubjectInfos"])
                    ui_check.require(subjects == elements, f"SubjectInfos {subjects} != ElementIds {elements}")
                    video: Any = stack.api("GET", f"{run_path}/taskInstances/make_video/xcomEntries/return_value")
                    value = video["value"]
                    paths = value["paths"] if isinstance(value, dict) else json.loads(value)["paths"]
                    sizes = [len(to_storage_path(p, "tencentcloud_default").read_bytes()) for p in paths]
                    ui_check.require(paths and all(sizes), f"paths {paths}, sizes {sizes}")
                    return f"1 task {tasks[0]['TaskId']} with {len(elements)} subjects; copied {paths} ({sizes} bytes)"

                if ui.step("aigc make_video deferred in the UI", deferred):
                    ui.step("aigc triggerer restarted mid-poll", triggerer_restart)
                    ui.step("aigc run success in the UI", succeeded)
                    ui.step("aigc one remote task, files in storage", one_task_and_files)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
