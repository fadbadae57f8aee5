"""Batches that never lose, drop, duplicate or hang: through the real operators, the emulator and local S3."""

from __future__ import annotations

import base64
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from conftest import put_object, upload_subjects

from airflow_provider_tencent.batch.checkpoint import Journal
from airflow_provider_tencent.exceptions import (
    TencentCloudBatchAborted,
    TencentCloudBatchError,
    TencentCloudCheckpointError,
    TencentCloudInputError,
)
from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
from airflow_provider_tencent.operators.image_search import create as image_ops
from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator
from airflow_provider_tencent.testing.images import make_image

GOOD = base64.b64encode(make_image(64, 64, "png", seed=1)).decode()


def images_op(tmp_path, **kwargs):
    args = {"task_id": "create_images", "group_id": "g1", "checkpoint_path": str(tmp_path / "ckpt.jsonl")}
    args.update(kwargs)
    return ImageSearchCreateImageBatchOperator(**args)


def elements_op(tmp_path, items, **kwargs):
    args = {"task_id": "els", "items": items, "checkpoint_path": str(tmp_path / "v.jsonl")}
    args.update(kwargs)
    return VodCreateAigcElementBatchOperator(**args)


def picture_items(n, **extra):
    return [
        {"key": f"k{i}", "entity_id": f"e{i // 8}", "pic_name": f"p{i}", "image_base64": GOOD, **extra}
        for i in range(n)
    ]


def calls(emulator, action):
    return sum(emulator.counters().get(action, {}).values())


def journal_states(path):
    return {k: r["state"] for k, r in Journal(str(path)).load().items()}


# -- 1. errors while listing or parsing items --------------------------------------------------------
@pytest.mark.parametrize(
    ("items", "match"),
    [
        ("not json [", r"not valid JSON \(nor a Python literal\)"),
        ({"key": "k0", "entity_id": "e"}, "items must be a list, got dict"),
        (["a.png", "b.png"], r"items\[0\] must be a dict"),
        ([{"key": "k0", "pic_name": "p0", "image_base64": GOOD}, {"entity": "e"}], r"items\[1\].*entity"),
        (None, "exactly one of items or source_prefix"),
        ("42", "items must be a list, got int"),
    ],
)
def test_bad_items_fail_the_task_before_anything_is_sent(provider, context, tmp_path, items, match):
    with pytest.raises(TencentCloudInputError, match=match):
        images_op(tmp_path, items=items).execute(context)
    assert calls(provider.emulator, "CreateImage") == 0


@pytest.mark.parametrize(
    ("items", "match"),
    [
        ("{'oops'", r"not valid JSON \(nor a Python literal\)"),
        ({"element_name": "x"}, "items must be a list, got dict"),
        (["x"], r"items\[0\] must be a dict"),
        ([{"element_name": "x", "element_descripton": "typo"}], r"items\[0\].*element_descripton"),
        (None, "items is required"),
    ],
)
def test_bad_subject_items_fail_the_task(provider, context, tmp_path, items, match):
    with pytest.raises(TencentCloudInputError, match=match):
        elements_op(tmp_path, items).execute(context)
    assert calls(provider.emulator, "CreateAigcCustomElement") == 0


def test_items_rendered_as_python_repr_are_read(provider, context, tmp_path):
    """``{{ items }}`` renders a list as Python text (single quotes, True): it is read, never evaluated."""
    items = picture_items(2, enable_detect=True)
    summary = images_op(tmp_path, items=repr(items)).execute(context)
    assert summary["created"] == 2


def test_missing_bucket_fails_the_task(provider, context, tmp_path):
    with pytest.raises(TencentCloudBatchAborted, match="batch stopped") as err:
        images_op(tmp_path, source_prefix="cos://no-such-bucket-1250000000/gallery/").execute(context)
    assert err.value.summary["created"] == 0
    assert context["ti"].xcom["batch_summary"]["total"] == 0


def test_listing_failing_midway_stops_reports_and_resumes(provider, context, tmp_path, monkeypatch):
    for i in range(8):
        put_object(provider.bucket, f"gallery/item-{i:03d}.png", make_image(64, 48, "png", seed=i))
    real = image_ops.list_pictures

    def flaky(*args, **kwargs):
        for n, entry in enumerate(real(*args, **kwargs)):
            if n == 5:
                raise OSError(errno.EIO, "listing failed (injected)")
            yield entry

    monkeypatch.setattr(image_ops, "list_pictures", flaky)
    prefix = f"cos://{provider.bucket}/gallery/"
    with pytest.raises(TencentCloudBatchAborted, match="listing failed") as err:
        images_op(tmp_path, source_prefix=prefix).execute(context)
    assert err.value.summary["created"] == 5 and err.value.summary["failed"] == 0
    assert len(provider.emulator.images("g1")) == 5
    assert list(journal_states(tmp_path / "ckpt.jsonl").values()) == ["done"] * 5  # checkpointed
    monkeypatch.setattr(image_ops, "list_pictures", real)
    summary = images_op(tmp_path, source_prefix=prefix).execute(context)
    assert (summary["exists"], summary["created"]) == (5, 3)
    assert calls(provider.emulator, "CreateImage") == 8  # each picture sent once


def test_an_empty_input_is_not_a_silent_success(provider, context, tmp_path):
    with pytest.raises(TencentCloudInputError, match="lists no item at all"):
        images_op(tmp_path, items=[]).execute(context)
    with pytest.raises(TencentCloudInputError, match=r"source_prefix.*empty-prefix.*lists no item"):
        images_op(tmp_path, source_prefix=f"cos://{provider.bucket}/empty-prefix/").execute(context)
    assert images_op(tmp_path, items="[]", allow_empty=True).execute(context)["total"] == 0


# -- 2. a retry re-sends exactly what never reached the service --------------------------------------
def test_items_that_failed_before_sending_are_sent_again_by_a_retry(provider, context, tmp_path):
    items = upload_subjects(provider.bucket, 4)
    items[1]["element_frontal_image"] = f"cos://{provider.bucket}/missing/front.png"  # unreadable: never sent
    items[2]["element_refer_list"] = [f"cos://{provider.bucket}/missing/side.png"]
    with pytest.raises(TencentCloudBatchError, match="a retry sends only these 2") as err:
        elements_op(tmp_path, items).execute(context)
    assert set(err.value.failures) == {"subject-1", "subject-2"}
    assert journal_states(tmp_path / "v.jsonl") == {
        "subject-0": "done",
        "subject-1": "failed",
        "subject-2": "failed",
        "subject-3": "done",
    }
    # the pictures appear; the retry sends exactly the two that never left
    put_object(provider.bucket, "missing/front.png", make_image(400, 500, "png", seed=7))
    put_object(provider.bucket, "missing/side.png", make_image(500, 400, "png", seed=8))
    summary = elements_op(tmp_path, items).execute(context)
    assert (summary["created"], summary["exists"], summary["failed"]) == (2, 2, 0)
    assert calls(provider.emulator, "CreateAigcCustomElement") == 4 and len(provider.emulator.elements()) == 4


def test_connect_errors_are_not_ambiguous(provider, context, tmp_path, monkeypatch):
    """Nothing listens at the endpoint: the requests never left, so a retry sends them all."""
    with socket_closed_port() as port:
        conn = dict(provider.conn, extra={**provider.extra, "endpoint_url": f"http://127.0.0.1:{port}"})
        monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
        items = upload_subjects(provider.bucket, 3)
        with pytest.raises(TencentCloudBatchError, match="a retry sends only these 3"):
            elements_op(tmp_path, items).execute(context)
    assert set(journal_states(tmp_path / "v.jsonl").values()) == {"failed"}
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(provider.conn))
    summary = elements_op(tmp_path, items).execute(context)
    assert summary["created"] == 3 and len(provider.emulator.elements()) == 3


class socket_closed_port:
    """A loopback port with nothing listening (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.timeout(120)
def test_kill_9_mid_batch_leaves_only_in_flight_items_ambiguous(provider, context, tmp_path):
    """A worker killed while requests are in flight: only those may exist; the retry sends every other item once."""
    items = upload_subjects(provider.bucket, 6)
    checkpoint = tmp_path / "v.jsonl"
    provider.emulator.inject("latency", action="CreateAigcCustomElement", delay=30.0)  # everything hangs in flight
    script = textwrap.dedent(
        f"""
        import json, sys
        from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator
        class TI:
            def xcom_push(self, key, value): pass
        items = json.loads(sys.argv[1])
        VodCreateAigcElementBatchOperator(task_id="els", items=items, checkpoint_path={str(checkpoint)!r},
                                   concurrency=2, max_qps=20).execute({{"ti": TI()}})
        """
    )
    env = dict(os.environ)
    child = subprocess.Popen([sys.executable, "-c", script, json.dumps(items)], env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if checkpoint.exists() and list(journal_states(checkpoint).values()).count("sending") == 2:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the worker never journalled two requests in flight")
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    provider.emulator.clear_faults()
    in_flight = {k for k, s in journal_states(checkpoint).items() if s == "sending"}
    assert len(in_flight) == 2
    with pytest.raises(TencentCloudBatchError, match="2 may have been processed and are NOT sent again") as err:
        elements_op(tmp_path, items).execute(context)
    assert set(err.value.failures) == in_flight
    assert all("MaybeCreated" in reason for reason in err.value.failures.values())
    created = {e["ElementName"] for e in provider.emulator.elements()}
    assert created >= {i["element_name"] for i in items} - in_flight
    # every item but the two in flight was sent exactly once after the kill
    assert len(provider.emulator.elements()) <= 6


# -- 3. an answer is a success only when it carries what the action promises -------------------------
def test_error_body_with_charset_is_a_failure_for_both_operators(provider, context, tmp_path):
    provider.emulator.inject("error_charset", action="CreateImage")
    with pytest.raises(TencentCloudBatchError) as err:
        images_op(tmp_path, items=picture_items(2), max_failures=0).execute(context)
    assert set(err.value.failures) == {"k0", "k1"} and all("InternalError" in r for r in err.value.failures.values())
    assert provider.emulator.images("g1") == []
    provider.emulator.clear_faults()
    provider.emulator.inject("error_charset", action="CreateAigcCustomElement")
    with pytest.raises(TencentCloudBatchError) as err:
        elements_op(tmp_path, upload_subjects(provider.bucket, 1)).execute(context)
    assert list(err.value.failures) == ["subject-0"]


def test_an_answer_without_element_id_is_never_created(provider, context, tmp_path):
    provider.emulator.inject("missing_result", action="CreateAigcCustomElement", times=1)
    with pytest.raises(TencentCloudBatchError, match="may have been processed") as err:
        elements_op(tmp_path, upload_subjects(provider.bucket, 1)).execute(context)
    assert "IncompleteAnswer" in err.value.failures["subject-0"]
    assert "ElementId" in err.value.failures["subject-0"]
    assert journal_states(tmp_path / "v.jsonl") == {"subject-0": "ambiguous"}
    # the retry does not re-send it (it exists: the service stored it)
    with pytest.raises(TencentCloudBatchError, match="MaybeCreated"):
        elements_op(tmp_path, upload_subjects(provider.bucket, 1)).execute(context)
    assert calls(provider.emulator, "CreateAigcCustomElement") == 1


# -- 4. duplicate keys ----------------------------------------------------------------------------------
def test_same_key_different_content_is_an_input_error_naming_both(provider, context, tmp_path):
    items = picture_items(3)
    items[2]["key"] = "k0"
    items[2]["custom_content"] = "other"
    with pytest.raises(TencentCloudInputError, match=r"items\[0\] and items\[2\] have the same key 'k0'"):
        images_op(tmp_path, items=items).execute(context)
    # a pic_name colliding with another item's index
    items = [{"entity_id": "e", "pic_name": "1", "image_base64": GOOD}, {"entity_id": "e", "image_base64": GOOD}]
    with pytest.raises(TencentCloudInputError, match=r"items\[0\] and items\[1\] have the same key '1'"):
        images_op(tmp_path, items=items).execute(context)
    assert calls(provider.emulator, "CreateImage") == 0


def test_an_item_listed_twice_identically_is_sent_once(provider, context, tmp_path):
    items = picture_items(2)
    summary = images_op(tmp_path, items=[*items, dict(items[0])]).execute(context)
    assert (summary["total"], summary["created"]) == (2, 2) and calls(provider.emulator, "CreateImage") == 2


def test_two_subjects_may_share_a_name_and_both_are_created(provider, context, tmp_path):
    items = upload_subjects(provider.bucket, 2)
    items[1]["element_name"] = items[0]["element_name"]
    summary = elements_op(tmp_path, items).execute(context)
    assert summary["created"] == 2 and len(summary["element_ids"]) == 2
    assert [e["ElementName"] for e in provider.emulator.elements()] == ["subject-0", "subject-0"]
    assert elements_op(tmp_path, items).execute(context)["exists"] == 2  # and a re-run keeps both apart


# -- 6. checkpoints that cannot be written --------------------------------------------------------------
@pytest.mark.timeout(60)
@pytest.mark.parametrize("where", ["/proc/tencentcloud/ckpt.jsonl", "s3://no-such-bucket-1250000000/ckpt/"])
def test_an_unwritable_checkpoint_is_refused_before_sending(provider, context, tmp_path, where):
    with pytest.raises(TencentCloudCheckpointError, match=r"not writable|cannot be taken"):
        elements_op(tmp_path, upload_subjects(provider.bucket, 2), checkpoint_path=where).execute(context)
    with pytest.raises(TencentCloudCheckpointError):
        images_op(tmp_path, items=picture_items(2), checkpoint_path=where).execute(context)
    assert calls(provider.emulator, "CreateAigcCustomElement") == 0 and calls(provider.emulator, "CreateImage") == 0


@pytest.mark.timeout(60)
@pytest.mark.parametrize("operator", ["images", "elements"])
def test_a_full_disk_mid_batch_stops_at_once_and_reports(provider, context, tmp_path, monkeypatch, operator):
    """The checkpoint's writes start failing (ENOSPC) after the first: the batch stops, never hangs."""
    real_write = Journal._write
    writes = [0]

    def write(self, lines):
        writes[0] += 1
        if writes[0] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, lines)

    monkeypatch.setattr(Journal, "_write", write)
    if operator == "images":
        op = images_op(tmp_path, items=picture_items(40))
        action = "CreateImage"
    else:
        op = elements_op(tmp_path, upload_subjects(provider.bucket, 8), max_qps=5)
        action = "CreateAigcCustomElement"
    with pytest.raises(TencentCloudBatchAborted, match="No space left on device") as err:
        op.execute(context)
    summary = err.value.summary
    assert summary["not_started"] > 0  # it stopped, rather than doing all the work first
    assert calls(provider.emulator, action) < (40 if operator == "images" else 8)
    assert context["ti"].xcom["batch_summary"] == summary


# -- 7. torn lines ---------------------------------------------------------------------------------------
def test_a_torn_last_line_never_swallows_the_next_record(provider, context, tmp_path):
    items = upload_subjects(provider.bucket, 3)
    checkpoint = tmp_path / "v.jsonl"
    done = {"key": "subject-0", "state": "done", "status": "created", "ElementId": "1"}
    checkpoint.write_text(json.dumps(done) + "\n" + '{"key": "subject-1", "state": "sen')  # killed mid-write
    summary = elements_op(tmp_path, items).execute(context)
    assert (summary["exists"], summary["created"]) == (1, 2)
    states = journal_states(checkpoint)
    assert states == {"subject-0": "done", "subject-1": "done", "subject-2": "done"}
    # a re-run finds everything done: nothing is created twice
    assert elements_op(tmp_path, items).execute(context)["exists"] == 3
    assert len(provider.emulator.elements()) == 2


# -- 8. one worker per checkpoint ----------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_two_workers_on_one_checkpoint_the_second_is_refused(provider, context, tmp_path):
    items = upload_subjects(provider.bucket, 10)
    provider.emulator.inject("latency", action="CreateAigcCustomElement", delay=0.3)
    outcomes: list[object] = []

    def run() -> None:
        try:
            outcomes.append(elements_op(tmp_path, items, max_qps=20).execute({"ti": context["ti"]}))
        except Exception as exc:
            outcomes.append(exc)

    first = threading.Thread(target=run)
    first.start()
    deadline = time.monotonic() + 30
    while not (tmp_path / "v.jsonl.lock").exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    second = threading.Thread(target=run)
    second.start()
    first.join(60)
    second.join(60)
    refused = [o for o in outcomes if isinstance(o, TencentCloudCheckpointError)]
    done = [o for o in outcomes if isinstance(o, dict)]
    assert len(refused) == 1 and len(done) == 1, outcomes
    assert "in use by worker" in str(refused[0])
    assert len(provider.emulator.elements()) == 10


@pytest.mark.timeout(60)
def test_object_storage_lease_refuses_a_second_worker_and_is_taken_over_when_expired(provider, tmp_path):
    location = f"cos://{provider.bucket}/ckpt/run-1/"
    first = Journal(location, conn_id="tencentcloud_default", lease_ttl=3).start()
    try:
        with pytest.raises(TencentCloudCheckpointError, match="in use by worker"):
            Journal(location, conn_id="tencentcloud_default").start()
        time.sleep(2.5)  # the holder renews its lease: still refused after the first expiry time
        with pytest.raises(TencentCloudCheckpointError, match="in use by worker"):
            Journal(location, conn_id="tencentcloud_default").start()
        first.record({"key": "a", "state": "done"}, durable=True)
    finally:
        first._lease_stop.set()  # the holder dies without releasing (no close)
        first._lease_thread.join()
    # its lease expires: unrenewed for longer than its TTL by the store's clock, which dates objects to
    # the second (TTL + 1 s by the store's dates, + 1 s for their rounding)
    time.sleep(5.1)
    second = Journal(location, conn_id="tencentcloud_default").start()
    try:
        assert second.load()["a"]["state"] == "done"
    finally:
        second.close()
    third = Journal(location, conn_id="tencentcloud_default").start()  # released: free again
    third.close()


# -- 9. bounded under a throttling storm ----------------------------------------------------------------
@pytest.mark.timeout(120)
def test_a_throttling_storm_gives_up_with_a_resumable_checkpoint(provider, context, tmp_path):
    provider.emulator.inject("throttle", action="CreateImage")
    op = images_op(tmp_path, items=picture_items(30), max_qps=10, give_up_after=2)
    with pytest.raises(TencentCloudBatchAborted, match=r"gave up: no item succeeded for \d+ s") as err:
        op.execute(context)
    assert err.value.summary["not_started"] > 0
    provider.emulator.clear_faults()
    summary = images_op(tmp_path, items=picture_items(30), max_qps=10).execute(context)
    assert summary["created"] == 30


@pytest.mark.parametrize(
    ("name", "value"),
    [("max_failures", -1), ("max_failures", 0.5), ("concurrency", 0), ("give_up_after", 0), ("give_up_after", True)],
)
def test_batch_arguments_are_checked(provider, context, tmp_path, name, value):
    with pytest.raises(TencentCloudInputError, match=name):
        images_op(tmp_path, items=picture_items(1), **{name: value}).execute(context)
    assert calls(provider.emulator, "CreateImage") == 0


# -- 5. a picture replaced at the same storage key -------------------------------------------------------
def test_a_picture_replaced_at_the_same_key_is_re_ingested_and_replaces_the_old_one(provider, context, tmp_path):
    prefix = f"cos://{provider.bucket}/gallery/"
    put_object(provider.bucket, "gallery/mug.png", make_image(64, 48, "png", seed=1))
    put_object(provider.bucket, "gallery/cup.png", make_image(64, 48, "png", seed=2))
    first = images_op(tmp_path, source_prefix=prefix, checkpoint_path=str(tmp_path / "run1.jsonl"))
    assert first.execute(context)["created"] == 2
    [old] = [p for p in provider.emulator.images("g1") if p["EntityId"] == "mug"]
    # the same run again: nothing changed, nothing sent twice
    again = images_op(tmp_path, source_prefix=prefix, checkpoint_path=str(tmp_path / "run2.jsonl")).execute(context)
    assert (again["created"], again["exists"]) == (0, 2)
    # the picture behind gallery/mug.png is replaced; the next run re-ingests it and drops the old one
    put_object(provider.bucket, "gallery/mug.png", make_image(64, 48, "png", seed=3))
    manifest = tmp_path / "m.jsonl"
    summary = images_op(
        tmp_path, source_prefix=prefix, checkpoint_path=str(tmp_path / "run3.jsonl"), manifest_path=str(manifest)
    ).execute(context)
    assert (summary["created"], summary["exists"]) == (1, 1)
    [new] = [p for p in provider.emulator.images("g1") if p["EntityId"] == "mug"]
    assert new["PicName"] != old["PicName"] and new["PicName"][:-12] == old["PicName"][:-12]
    [record] = [json.loads(line) for line in manifest.read_text().splitlines() if "mug" in line]
    assert record["Replaced"] == [old["PicName"]] and record["ContentHash"] == new["PicName"][-12:]
    assert len(provider.emulator.images("g1")) == 2


def test_on_change_keep_leaves_older_versions_and_legacy_names_are_replaced(provider, context, tmp_path):
    from airflow_provider_tencent.hooks.image_search import ImageSearchHook
    from airflow_provider_tencent.utils.naming import pic_name_for

    prefix = f"cos://{provider.bucket}/gallery/"
    put_object(provider.bucket, "gallery/mug.png", make_image(64, 48, "png", seed=1))
    [(key, _)] = list(image_ops.list_pictures(prefix, "tencentcloud_default"))
    legacy = pic_name_for(key)  # the name given before content hashes were used
    ImageSearchHook().create_image({"GroupId": "g1", "EntityId": "mug", "PicName": legacy, "ImageBase64": GOOD})
    images_op(tmp_path, source_prefix=prefix, on_change="keep", checkpoint_path=str(tmp_path / "a.jsonl")).execute(
        context
    )
    assert len(provider.emulator.images("g1")) == 2  # kept
    images_op(tmp_path, source_prefix=prefix, checkpoint_path=str(tmp_path / "b.jsonl")).execute(context)
    assert [p["PicName"] for p in provider.emulator.images("g1")] != [legacy]
    assert len(provider.emulator.images("g1")) == 1  # the legacy version was replaced
    with pytest.raises(TencentCloudInputError, match="on_change"):
        images_op(tmp_path, source_prefix=prefix, on_change="overwrite").execute(context)
