"""The DAGs of ``dags/``, ``tests/dags/`` and ``benchmarks/dags/`` in a run without a logical date, and their docs.

Airflow 3 accepts ``logical_date: null`` (the REST API, the UI's Trigger form, Asset-triggered runs): such a run
has no ``ds``, ``ts``, ``logical_date`` nor ``data_interval_*`` in its context. Every task's templates are
rendered here with the context Airflow's task runner builds for such a run (``RuntimeTaskInstance``'s own
``get_template_context``, the DAG's own Jinja environment, where an undefined name is an error), and no TaskFlow
function may ask for a context key that only a dated run has. The keys a DAG derives (the ingest's manifest
and checkpoint folder) must come from the dag_run, so that a re-run of the same run finds them again.
``tests/ui/ui_check.py`` triggers each example DAG this way in a real Airflow.
"""

from __future__ import annotations

import ast
import inspect
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_tencent.compat import dagbag_class

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_DAG_FILES = sorted((REPO / "dags").glob("*.py"))
DAG_FOLDERS = [REPO / "dags", REPO / "tests" / "dags", REPO / "benchmarks" / "dags"]
RUN_AFTER = datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
LOGICAL_DATE = datetime(2026, 2, 1, tzinfo=timezone.utc)


def _bag(folder: Path) -> dict[str, Any]:
    bag = dagbag_class()(dag_folder=str(folder), safe_mode=False)
    assert bag.import_errors == {}, bag.import_errors
    return dict(bag.dags)


@pytest.fixture(scope="module")
def all_dags() -> dict[str, Any]:
    dags: dict[str, Any] = {}
    for folder in DAG_FOLDERS:
        dags.update(_bag(folder))
    return dags


def template_context(task: Any, logical_date: datetime | None, run_id: str = "manual__run") -> dict[str, Any]:
    """The context Airflow's task runner gives ``task`` in a manual run (data interval = logical date, or none)."""
    from airflow.sdk.api.datamodels._generated import DagRun, TIRunContext
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    values = {
        "dag_id": task.dag_id,
        "run_id": run_id,
        "logical_date": logical_date,
        "data_interval_start": logical_date,
        "data_interval_end": logical_date,
        "run_after": RUN_AFTER,
        "start_date": RUN_AFTER,
        "end_date": None,
        "run_type": "manual",
        "state": "running",
        "conf": {},
        "consumed_asset_events": [],
        "partition_key": None,
    }
    dag_run = DagRun(**{k: v for k, v in values.items() if k in DagRun.model_fields})  # the fields of this Airflow
    ti = RuntimeTaskInstance.model_construct(
        id=uuid.uuid4(),
        task_id=task.task_id,
        dag_id=task.dag_id,
        run_id=run_id,
        try_number=1,
        map_index=-1,
        dag_version_id=uuid.uuid4(),
        task=task,
        start_date=RUN_AFTER,
        _ti_context_from_server=TIRunContext(dag_run=dag_run, max_tries=0),
    )
    return dict(ti.get_template_context())


def _holds_xcom(value: Any) -> bool:
    from airflow.sdk.definitions._internal.mixins import ResolveMixin

    if isinstance(value, ResolveMixin):
        return True
    if isinstance(value, str):
        return "xcom_pull(" in value
    if isinstance(value, dict):
        return any(_holds_xcom(v) for v in value.values())
    if isinstance(value, list | tuple | set):
        return any(_holds_xcom(v) for v in value)
    return False


def rendered(task: Any, context: dict[str, Any]) -> dict[str, Any]:
    """Every template field of ``task`` rendered with ``context`` (fields fed by XCom left out: no XCom here)."""
    env = task.get_template_env()
    fields = {name: getattr(task, name) for name in task.template_fields}
    return {name: task.render_template(v, context, env) for name, v in fields.items() if not _holds_xcom(v)}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple | set):
        return [s for v in value for s in _strings(v)]
    return []


def _plain_tasks(dag: Any) -> list[Any]:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    return [t for t in dag.tasks if not isinstance(t, MappedOperator)]


@pytest.mark.parametrize("path", EXAMPLE_DAG_FILES, ids=lambda p: p.stem)
def test_example_dag_shows_its_module_docstring(path, all_dags):
    """The module docstring is the DAG's ``doc_md``: the UI's "Dag Docs" shows it."""
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert docstring and len(docstring) > 200
    (dag,) = [d for d in all_dags.values() if Path(d.fileloc) == path]
    assert dag.doc_md and dag.doc_md.strip() == docstring.strip()


def test_every_dag_is_checked(all_dags):
    assert {Path(d.fileloc).parent for d in all_dags.values()} == set(DAG_FOLDERS)
    assert len(all_dags) >= 10 and all(_plain_tasks(d) for d in all_dags.values())


def test_templates_render_without_a_logical_date(all_dags):
    """Every task of every DAG renders in a run without a logical date; nothing renders as ``None``."""
    checked: list[str] = []
    for dag in all_dags.values():
        for task in _plain_tasks(dag):
            values = rendered(task, template_context(task, None))
            texts = _strings(values)
            assert not [t for t in texts if "None" in t], (dag.dag_id, task.task_id, values)
            checked += [f"{dag.dag_id}.{task.task_id}.{name}" for name in values]
    assert "tencent_gallery_ingest.create_images.manifest_path" in checked
    assert "single_operators.create_image.pic_name" in checked


def test_no_task_function_asks_for_what_only_a_dated_run_has(all_dags):
    """A TaskFlow function's parameters never name a context key missing from a run without a logical date."""
    some_task = next(iter(_plain_tasks(next(iter(all_dags.values())))))
    dated_only = set(template_context(some_task, LOGICAL_DATE)) - set(template_context(some_task, None))
    assert {"ds", "logical_date", "data_interval_start"} <= dated_only  # what Airflow leaves out
    asking = {
        f"{dag.dag_id}.{task.task_id}": sorted(set(inspect.signature(task.python_callable).parameters) & dated_only)
        for dag in all_dags.values()
        for task in dag.tasks
        if callable(getattr(task, "python_callable", None))
    }
    assert len(asking) >= 8
    assert {name: keys for name, keys in asking.items() if keys} == {}


def _ingest_keys(dag: Any, logical_date: datetime | None, run_id: str = "manual__run") -> tuple[str, str, str]:
    create, select = dag.get_task("create_images"), dag.get_task("select_new_pictures")
    fields = rendered(create, template_context(create, logical_date, run_id))
    (run_key,) = rendered(select, template_context(select, logical_date, run_id))["op_args"]
    return fields["manifest_path"], fields["checkpoint_path"], run_key


def test_ingest_keys_come_from_the_dag_run(all_dags):
    """The ingest's manifest folder: the run's logical day, else its ``run_after`` day; the same on a re-run."""
    dag = all_dags["tencent_gallery_ingest"]
    prefix = dag.params["manifest_prefix"]
    manifest, checkpoint, run_key = _ingest_keys(dag, None)
    assert run_key == RUN_AFTER.strftime("%Y%m%d")
    assert (manifest, checkpoint) == (f"{prefix}/{run_key}/manifest.jsonl", f"{prefix}/{run_key}/checkpoint/")
    assert _ingest_keys(dag, None) == (manifest, checkpoint, run_key)  # a re-run of the same run
    dated = _ingest_keys(dag, LOGICAL_DATE, "scheduled__2026-02-01")
    assert dated[2] == LOGICAL_DATE.strftime("%Y%m%d") and dated[0] == f"{prefix}/{dated[2]}/manifest.jsonl"
