"""The ``[tencentcloud] checkpoint_prefix`` setting, and checkpoints removed once a batch has nothing left to retry.

The operator's ``checkpoint_path`` wins over the setting, which wins over the local default; a batch that ends
whole removes its checkpoint, one with a failed item keeps it (a retry sends only what is not done). The server
test runs against the local S3 server (moto) through ``cos://``.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_tencent.batch.checkpoint import Journal
from airflow_provider_tencent.batch.checkpoint_location import checkpoint_prefix_setting, default_checkpoint
from airflow_provider_tencent.exceptions import TencentCloudBatchError, TencentCloudCheckpointError
from airflow_provider_tencent.get_provider_info import get_provider_info
from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
from airflow_provider_tencent.testing.images import make_image

ENV = "AIRFLOW__TENCENTCLOUD__CHECKPOINT_PREFIX"


class TI:
    """A task instance as the batch operators read it: its identity and ``xcom_push``."""

    def __init__(self, map_index: int = -1) -> None:
        self.dag_id, self.run_id, self.task_id, self.map_index = (
            "nightly",
            "manual__2026-12-05T06:00:00+00:00",
            "add",
            map_index,
        )
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


def batch(**kwargs: Any) -> ImageSearchCreateImageBatchOperator:
    return ImageSearchCreateImageBatchOperator(task_id="add", group_id="g1", items=[], **kwargs)


def test_the_setting_is_declared_in_the_provider_config():
    option = get_provider_info()["config"]["tencentcloud"]["options"]["checkpoint_prefix"]
    assert option["type"] == "string" and option["default"] == "" and option["version_added"] == "0.1.0"
    assert option["example"].startswith("cos://") and "removed" in option["description"]


def test_the_provider_info_with_its_config_is_valid_for_airflow():
    jsonschema = pytest.importorskip("jsonschema")
    import airflow

    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(
        get_provider_info()["config"], schema["properties"]["config"] | {"definitions": schema["definitions"]}
    )


def test_the_setting_is_read_from_airflow_configuration(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert checkpoint_prefix_setting() is None
    monkeypatch.setenv(ENV, " cos://ck-1250000000/airflow/ ")
    assert checkpoint_prefix_setting() == "cos://ck-1250000000/airflow/"
    monkeypatch.setenv(ENV, "")
    assert checkpoint_prefix_setting() is None


def test_each_task_instance_has_its_own_place_under_the_prefix(monkeypatch, tmp_path):
    context: Any = {"ti": TI()}
    run = "manual__2026-12-05T06_00_00+00_00"
    assert (
        default_checkpoint(context, "cos://ck-1250000000/airflow/") == f"cos://ck-1250000000/airflow/nightly/{run}/add/"
    )
    assert default_checkpoint({"ti": TI(map_index=3)}, "s3://b/p") == f"s3://b/p/nightly/{run}/add.3/"  # type: ignore[arg-type]
    assert default_checkpoint(context, str(tmp_path)) == str(tmp_path / "nightly" / run / "add.jsonl")
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    local = tmp_path / "home" / "tencentcloud" / "checkpoints" / "nightly" / run / "add.jsonl"
    assert default_checkpoint(context) == str(local)


def test_the_operator_argument_wins_over_the_setting_which_wins_over_the_default(monkeypatch, tmp_path):
    context: Any = {"ti": TI()}
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(ENV, raising=False)
    assert batch()._checkpoint_location(context, 0, 1) == default_checkpoint(context)
    monkeypatch.setenv(ENV, "cos://ck-1250000000/airflow")
    assert batch()._checkpoint_location(context, 0, 1).startswith("cos://ck-1250000000/airflow/nightly/")
    assert batch(checkpoint_path="/data/mine.jsonl")._checkpoint_location(context, 0, 1) == "/data/mine.jsonl"


def test_a_local_checkpoint_is_removed_with_its_lock_under_the_lease(tmp_path):
    path = tmp_path / "ck.jsonl"
    journal = Journal(str(path)).start()
    journal.record({"key": "a", "state": "done"}, durable=True)
    holder = Journal(str(path))
    journal.close()
    other = Journal(str(path)).start()  # another worker holds it now: it is not removed from under it
    with pytest.raises(TencentCloudCheckpointError, match="in use"):
        holder.remove()
    assert path.exists()
    other.close()
    holder.remove()
    assert not path.exists() and not Path(f"{path}.lock").exists()
    assert sorted(os.listdir(tmp_path)) == []


# -- against the local S3 server -------------------------------------------------------------------------------
def items(n: int) -> list[dict[str, Any]]:
    good = base64.b64encode(make_image(48, 48, "png", seed=5)).decode()
    return [{"key": f"k{i}", "entity_id": f"e{i}", "pic_name": f"p{i}", "image_base64": good} for i in range(n)]


def stored(provider: Any, prefix: str) -> list[str]:
    listed = provider.s3.client().list_objects_v2(Bucket=provider.bucket, Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_the_setting_s_checkpoint_is_gone_after_success_and_kept_after_a_failure(provider, monkeypatch):
    monkeypatch.setenv(ENV, f"cos://{provider.bucket}/checkpoints/")
    ti = TI()
    folder = "checkpoints/nightly/manual__2026-12-05T06_00_00+00_00/add/"
    provider.emulator.inject("error", action="CreateImage", times=1, code="InvalidParameterValue.ImageSizeTooBig")
    with pytest.raises(TencentCloudBatchError):
        ImageSearchCreateImageBatchOperator(task_id="add", group_id="g1", items=items(3)).execute({"ti": ti})
    kept = stored(provider, folder)
    assert f"{folder}lease.json" in kept and any(k.rsplit("/", 1)[1].startswith("part-") for k in kept), kept
    assert ti.xcom["batch_summary"]["failed"] == 1

    provider.emulator.clear_faults()
    summary = ImageSearchCreateImageBatchOperator(task_id="add", group_id="g1", items=items(3)).execute({"ti": ti})
    assert (summary["created"], summary["done"] + summary["exists"], summary["failed"]) == (1, 2, 0), summary
    assert provider.emulator.counters()["CreateImage"]["ok"] == 3  # the retry sent only the failed item
    assert stored(provider, "checkpoints/") == []
