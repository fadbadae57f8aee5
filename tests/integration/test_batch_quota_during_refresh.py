"""The quota holds while temporary keys are renewed mid-batch (issue 18, item 14)."""

from __future__ import annotations

import base64
import json

import pytest

from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
from airflow_provider_tencent.testing.images import make_image

ROLE = "qcs::cam::uin/100000000001:roleName/batch"


@pytest.mark.timeout(120)
def test_a_slow_key_renewal_never_pushes_a_second_over_the_quota(provider, context, tmp_path, monkeypatch):
    """Assumed-role keys living 2 s are renewed three times during a 6 s batch at CreateImage's
    10/s; each renewal (AssumeRole) takes 0.3 s. Requests already counted by the rate limiter must
    not wait for it and then leave bunched: no one-second window may see more than 10 arrivals."""
    provider.emulator.sts_lifetime_override = 2
    provider.emulator.inject("latency", action="AssumeRole", delay=0.3)
    conn = dict(provider.conn, extra={**provider.extra, "role_arn": ROLE})
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    good = base64.b64encode(make_image(48, 48, "png", seed=2)).decode()
    items = [{"key": f"k{i}", "entity_id": f"e{i // 8}", "pic_name": f"p{i}", "image_base64": good} for i in range(60)]
    op = ImageSearchCreateImageBatchOperator(
        task_id="b", group_id="g1", items=items, checkpoint_path=str(tmp_path / "c.jsonl")
    )
    summary = op.execute(context)
    counters = provider.emulator.counters()
    assert (summary["created"], summary["failed"]) == (60, 0)
    assert counters["AssumeRole"]["ok"] >= 3  # renewed mid-batch
    assert "AuthFailure.TokenFailure" not in counters["CreateImage"]  # never used past expiry
    assert provider.emulator.max_in_any_second("CreateImage", include_rejected=True) <= 10
    assert "RequestLimitExceeded" not in counters["CreateImage"], counters
