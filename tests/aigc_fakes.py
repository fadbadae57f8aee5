"""Stand-ins for the AIGC tests: a TaskInstance, Airflow's ``task_state_store``, a subject made without
the API, and the triggerer's run of a deferral (the real trigger, against the emulator)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_tencent.operators.vod import VodCreateAigcVideoOperator
from airflow_provider_tencent.triggers.vod import VodAigcTaskTrigger

#: The request fields every CreateAigcVideoTask needs (api.json marks them required).
KLING = {"ModelName": "Kling", "ModelVersion": "2.1", "SubAppId": 251007502}

CANARY_KEY = "CanarySecretKey-MustNeverLeak-7a41"
CANARY_TOKEN = "CanarySessionToken-MustNeverLeak-c2d9"
CANARY_ID = "AKIDCANARYAIGC000000000000000000000"


class FakeTI:
    """What the operators use of a TaskInstance: identity and xcom_push."""

    def __init__(self, task_id: str = "make_video", map_index: int = -1) -> None:
        self.dag_id, self.run_id, self.task_id, self.map_index = "aigc_dag", "manual__2026-01-01", task_id, map_index
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


class DictStore:
    """Stands in for Airflow's ``task_state_store`` accessor (get / set with retention)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.data: dict[str, Any] = json.loads(path.read_text()) if path and path.exists() else {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def set(self, key: str, value: Any, *, retention: Any = None) -> None:
        self.data[key] = value
        if self.path:
            self.path.write_text(json.dumps(self.data))


def ctx(store: DictStore | None = None, ti: FakeTI | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"ti": ti or FakeTI()}
    if store is not None:
        out["task_state_store"] = store
    return out


def add_element(emulator, element_id: str = "12345678901234") -> str:
    """A subject as if CreateAigcCustomElement had made it (the e2e DAG test makes them for real)."""
    with emulator._lock:
        emulator.vod.elements.append({"ElementId": element_id, "ElementReferList": [], "created": time.time()})
    return element_id


def run_deferred(op, context: dict[str, Any]) -> Any:
    """execute -> TaskDeferred -> the trigger runs to its event -> execute_complete, as the triggerer does."""
    from airflow_provider_tencent.compat import TaskDeferred

    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    trigger = deferred.value.trigger
    classpath, kwargs = trigger.serialize()
    assert classpath == "airflow_provider_tencent.triggers.vod.VodAigcTaskTrigger"
    event = asyncio.run(first_event(VodAigcTaskTrigger(**kwargs)))
    return getattr(op, deferred.value.method_name)(context, event, **(deferred.value.kwargs or {}))


async def first_event(trigger: VodAigcTaskTrigger) -> dict[str, Any]:
    async for event in trigger.run():
        return dict(event.payload)
    raise AssertionError("the trigger ended without an event")


def video_op(**kwargs: Any) -> VodCreateAigcVideoOperator:
    args: dict[str, Any] = {
        "task_id": "make_video",
        "model_version": "2.1",
        "prompt": "the mug on a table, slow pan",
        "element_ids": ["12345678901234"],
        "deferrable": False,
        "poll_interval": 0.05,
        "max_poll_interval": 0.2,
    }
    args.update(kwargs)
    return VodCreateAigcVideoOperator(**args)


def creates(emulator) -> list[dict[str, Any]]:
    return [r for r in emulator.requests if r["action"] == "CreateAigcVideoTask"]
