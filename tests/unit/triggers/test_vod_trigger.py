"""triggers/vod.py: ``VodAigcTaskTrigger`` (serialised state, restarts, secrets)."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from aigc_fakes import CANARY_ID, CANARY_KEY, CANARY_TOKEN, DictStore, creates, ctx, first_event, video_op

from airflow_provider_tencent.triggers.vod import VodAigcTaskTrigger


@pytest.mark.timeout(60)
def test_triggerer_restart_mid_poll_keeps_one_task(aigc):
    """The triggerer dies while polling; a new one rebuilds the trigger from its serialised kwargs and finishes."""
    from airflow_provider_tencent.compat import TaskDeferred

    aigc.emulator.aigc_duration = 1.5
    op = video_op(deferrable=True)
    context = ctx(DictStore())
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(context)
    _, kwargs = deferred.value.trigger.serialize()

    async def die_mid_poll() -> None:
        task = asyncio.ensure_future(first_event(VodAigcTaskTrigger(**kwargs)))
        while not any(t["polls"] > 0 for t in aigc.emulator.aigc_tasks()):
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(die_mid_poll())
    event = asyncio.run(first_event(VodAigcTaskTrigger(**json.loads(json.dumps(kwargs)))))
    result = op.execute_complete(context, event, **deferred.value.kwargs)
    assert event["status"] == "success" and result["Status"] == "FINISH"
    assert len(aigc.emulator.aigc_tasks()) == 1 and len(creates(aigc.emulator)) == 1


def test_trigger_serialises_and_logs_no_secret(aigc, monkeypatch, caplog):
    aigc.emulator.add_credential(CANARY_ID, CANARY_KEY, token=CANARY_TOKEN)
    conn = {**aigc.conn, "login": CANARY_ID, "password": CANARY_KEY, "extra": {**aigc.extra, "token": CANARY_TOKEN}}
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    from airflow_provider_tencent.compat import TaskDeferred

    caplog.set_level(logging.DEBUG)
    op = video_op(deferrable=True)
    with pytest.raises(TaskDeferred) as deferred:
        op.execute(ctx(DictStore()))
    serialised = json.dumps(deferred.value.trigger.serialize())
    event = asyncio.run(first_event(VodAigcTaskTrigger(**deferred.value.trigger.serialize()[1])))
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("tencentcloud_sdk"))
    text = serialised + json.dumps(event) + ours
    assert "AigcVideoTask" in caplog.text or "AIGC task" in caplog.text
    for secret in (CANARY_KEY, CANARY_TOKEN):
        where = text.find(secret)
        assert where < 0, text[max(0, where - 300) : where + 50]
    assert "FileUrl" not in json.dumps(event)
