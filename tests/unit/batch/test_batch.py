"""Batch operators against the emulator: quota never exceeded, nothing lost, nothing duplicated, resumable."""

from __future__ import annotations

import base64
import functools
import json

import pytest
from conftest import put_object, upload_subjects

from airflow_provider_tencent.batch.rate_limit import RateLimiter
from airflow_provider_tencent.contracts import image_search
from airflow_provider_tencent.exceptions import TencentCloudBatchError
from airflow_provider_tencent.operators import batch as batch_operators
from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator
from airflow_provider_tencent.testing.images import make_image


def upload_gallery(bucket: str, n: int, prefix: str = "gallery") -> list[str]:
    return [put_object(bucket, f"{prefix}/item-{i:03d}.png", make_image(64, 48, "png", seed=i)) for i in range(n)]


def images_op(tmp_path, **kwargs):
    args = {"task_id": "create_images", "group_id": "g1", "checkpoint_path": str(tmp_path / "ckpt.jsonl")}
    args.update(kwargs)
    return ImageSearchCreateImageBatchOperator(**args)


def test_prefix_batch_at_quota(provider, context, tmp_path, monkeypatch):
    """25 pictures at CreateImage's quota (10/s): all created, and no ``quota + 1`` of the client's sends
    within one second. Checked on the limiter's own send times, every request the service saw among them:
    arrival times at the emulator add the loopback's jitter (a busy machine brought two sends 1.02 s apart
    to 0.99 s there, and the 11th request into one second)."""
    sent: list[float] = []
    monkeypatch.setattr(batch_operators, "RateLimiter", functools.partial(RateLimiter, on_send=sent.append))
    upload_gallery(provider.bucket, 25)
    summary = images_op(tmp_path, source_prefix=f"cos://{provider.bucket}/gallery/").execute(context)
    assert (summary["total"], summary["created"], summary["failed"]) == (25, 25, 0)
    stored = provider.emulator.images("g1")
    assert len(stored) == 25 and len({p["PicName"] for p in stored}) == 25
    arrived = provider.emulator.counters()["CreateImage"]
    assert len(sent) == sum(arrived.values()) >= 25, (len(sent), arrived)  # each one left through the limiter
    assert summary["throttled"] == arrived.get("RequestLimitExceeded", 0)
    quota = image_search.CREATE_IMAGE.qps
    spans = [sent[i + quota] - sent[i] for i in range(len(sent) - quota)]
    assert min(spans) >= 1.0, f"{quota + 1} sends within {min(spans):.3f} s"
    assert summary["elapsed_seconds"] >= 2.0  # the 21st send leaves >= 2 windows after the 1st


def test_a_quota_shared_with_someone_else_slows_the_batch_down(provider, context, tmp_path):
    """The service admits 5/s where the batch was told 10/s: it adapts instead of failing items."""
    provider.emulator.qps_scale = 0.5  # CreateImage quota 5/s: half of it is taken by someone else
    good = base64.b64encode(make_image(48, 48, "png", seed=2)).decode()
    items = [{"key": f"k{i}", "entity_id": f"e{i // 8}", "pic_name": f"p{i}", "image_base64": good} for i in range(40)]
    summary = images_op(tmp_path, items=items, max_qps=10).execute(context)
    assert (summary["created"], summary["failed"]) == (40, 0)
    assert summary["throttled"] > 0
    throttled = provider.emulator.counters()["CreateImage"].get("RequestLimitExceeded", 0)
    assert throttled < 40  # at 10/s against 5/s, about half of every attempt would be refused
    assert len(provider.emulator.images("g1")) == 40


def test_failed_items_are_named_and_a_rerun_sends_only_them(provider, context, tmp_path):
    good = base64.b64encode(make_image(64, 64, "png", seed=1)).decode()
    items = [{"key": f"k{i}", "entity_id": "e", "pic_name": f"p{i}", "image_base64": good} for i in range(5)]
    items[1]["entity_id"] = "x" * 65  # caught before sending
    items[3]["image_url"] = "http://127.0.0.1:9/unreachable.png"  # the service cannot download it
    items[3].pop("image_base64")
    op = images_op(tmp_path, items=items, manifest_path=f"cos://{provider.bucket}/manifest.jsonl")
    with pytest.raises(TencentCloudBatchError) as err:
        op.execute(context)
    assert set(err.value.failures) == {"k1", "k3"}
    assert "EntityId" in err.value.failures["k1"] and "ImageDownloadError" in err.value.failures["k3"]
    from airflow_provider_tencent.fs.storage import to_storage_path

    manifest = [json.loads(line) for line in to_storage_path(op.manifest_path, None).read_text().splitlines()]
    assert {(r["key"], r["status"]) for r in manifest} == {
        ("k0", "created"),
        ("k1", "failed"),
        ("k2", "created"),
        ("k3", "failed"),
        ("k4", "created"),
    }
    # fix the inputs and re-run: only k1 and k3 are sent
    items[1]["entity_id"] = "e"
    items[3] = {"key": "k3", "entity_id": "e", "pic_name": "p3", "image_base64": good}
    before = sum(provider.emulator.counters()["CreateImage"].values())
    summary = images_op(tmp_path, items=items).execute(context)
    sent = sum(provider.emulator.counters()["CreateImage"].values()) - before
    assert sent == 2 and summary["created"] == 2 and summary["exists"] == 3
    assert len(provider.emulator.images("g1")) == 5


def test_random_transient_faults_lose_and_duplicate_nothing(provider, context, tmp_path):
    upload_gallery(provider.bucket, 30)
    provider.emulator.inject("inner_error", action="CreateImage", probability=0.15)
    provider.emulator.inject("throttle", action="CreateImage", probability=0.1)
    summary = images_op(tmp_path, source_prefix=f"cos://{provider.bucket}/gallery/", max_qps=30).execute(context)
    assert (summary["created"] + summary["exists"], summary["failed"]) == (30, 0)
    assert len(provider.emulator.images("g1")) == 30


def test_shards_split_items_and_quota(provider, context, tmp_path):
    upload_gallery(provider.bucket, 20)
    results = [
        images_op(
            tmp_path,
            source_prefix=f"cos://{provider.bucket}/gallery/",
            shards=2,
            shard=s,
            checkpoint_path=str(tmp_path / "ckpt"),
        ).execute(context)
        for s in (0, 1)
    ]
    assert [r["shard"] for r in results] == [0, 1]
    assert sum(r["created"] for r in results) == 20 and all(0 < r["total"] < 20 for r in results)
    assert len(provider.emulator.images("g1")) == 20


def test_rerun_after_success_sends_nothing(provider, context, tmp_path):
    upload_gallery(provider.bucket, 5)
    images_op(tmp_path, source_prefix=f"cos://{provider.bucket}/gallery/").execute(context)
    before = provider.emulator.counters()["CreateImage"]["ok"]
    summary = images_op(tmp_path, source_prefix=f"cos://{provider.bucket}/gallery/").execute(context)
    assert summary["exists"] == 5 and provider.emulator.counters()["CreateImage"]["ok"] == before


def test_elements_batch(provider, context, tmp_path):
    items = upload_subjects(provider.bucket, 6)
    op = VodCreateAigcElementBatchOperator(task_id="els", items=items, checkpoint_path=str(tmp_path / "v.jsonl"))
    summary = op.execute(context)
    assert summary["created"] == 6 and len(summary["element_ids"]) == 6
    assert sorted(e["ElementId"] for e in provider.emulator.elements()) == sorted(summary["element_ids"].values())
    again = VodCreateAigcElementBatchOperator(task_id="els", items=items, checkpoint_path=str(tmp_path / "v.jsonl"))
    assert again.execute(context)["exists"] == 6 and len(provider.emulator.elements()) == 6


def test_a_batch_asks_the_gallery_type_once(provider, context, tmp_path):
    """Oversized pictures for a product gallery fail before any CreateImage; DescribeGroups is called once."""
    provider.emulator.create_group("shop", group_type=8)
    wide = base64.b64encode(make_image(2100, 900, "png", seed=4)).decode()
    items = [{"key": f"k{i}", "entity_id": "e", "pic_name": f"p{i}", "image_base64": wide} for i in range(8)]
    with pytest.raises(TencentCloudBatchError) as err:
        images_op(tmp_path, group_id="shop", items=items).execute(context)
    assert set(err.value.failures) == {f"k{i}" for i in range(8)}
    assert all("2000x2000" in reason for reason in err.value.failures.values())
    assert provider.emulator.counters().get("DescribeGroups") == {"ok": 1}
    assert "CreateImage" not in provider.emulator.counters()
