"""Provider registration, connection form metadata, import cost and DAG integrity (no network)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from airflow_provider_tencent.compat import AIRFLOW_V_3_2_PLUS, ParamValidationError, dagbag_class

REPO = Path(__file__).resolve().parents[2]
DAG_FILES = sorted((REPO / "dags").glob("*.py"))


def _airflow(*args: str) -> str:
    exe = Path(sys.executable).with_name("airflow")
    proc = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=240, check=True)
    return proc.stdout


def test_provider_info_declares_connection_fields():
    from airflow_provider_tencent.get_provider_info import get_provider_info

    info = get_provider_info()
    conn = info["connection-types"][0]
    assert conn["connection-type"] == "tencentcloud" and conn["hook-name"] == "Tencent Cloud"
    fields = conn["conn-fields"]
    for name in ("region", "token", "role_arn", "credential_source", "endpoint_url", "proxy", "language"):
        assert name in fields and "schema" in fields[name]
    assert fields["token"]["schema"]["format"] == "password"
    assert conn["ui-field-behaviour"]["relabeling"] == {"login": "SecretId", "password": "SecretKey"}
    assert "airflow_provider_tencent.fs.cos" in info["filesystems"]


@pytest.mark.server
def test_providers_manager_sees_hook_and_form_methods_only_where_needed():
    """3.2+ reads the declaration (no deprecated hook methods); 3.1 gets them generated from it."""
    from airflow_provider_tencent.hooks.base import TencentCloudHook

    assert ("get_connection_form_widgets" in TencentCloudHook.__dict__) is not AIRFLOW_V_3_2_PLUS
    assert ("get_ui_field_behaviour" in TencentCloudHook.__dict__) is not AIRFLOW_V_3_2_PLUS
    out = _airflow("providers", "list", "--output", "json")
    assert any(p["package_name"] == "airflow-provider-tencent" for p in json.loads(out))
    hooks = json.loads(_airflow("providers", "hooks", "--output", "json"))
    assert any(h.get("connection_type") == "tencentcloud" for h in hooks), hooks


@pytest.mark.server
def test_connection_form_as_the_ui_gets_it():
    """The payload of ``GET /ui/connections/hook_meta`` (the route returns this service's answer as it is),
    computed in a fresh process as the API server does: every declared field, with its label, type,
    enum, password format and default, and the relabelled / hidden standard fields - on every Airflow.
    """
    from airflow_provider_tencent.contracts.connection import CONN_FIELDS

    code = (
        "import json\n"
        "from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService\n"
        "meta = [m.model_dump(mode='json') for m in HookMetaService.hook_meta_data()]\n"
        "print('@@' + json.dumps([m for m in meta if m['connection_type'] == 'tencentcloud']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=True)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("@@"))
    (meta,) = json.loads(line[2:])
    assert meta["hook_name"] == "Tencent Cloud"
    std = meta["standard_fields"]
    assert std["login"]["title"] == "SecretId" and std["password"]["title"] == "SecretKey"
    assert std["host"]["hidden"] and std["port"]["hidden"] and std["url_schema"]["hidden"]
    extra = meta["extra_fields"] or {}
    assert set(extra) == set(CONN_FIELDS)
    for name, spec in CONN_FIELDS.items():
        schema = extra[name]["schema"]
        assert schema["title"] == spec["label"], name
        assert extra[name]["description"] == spec["description"], name
        assert "null" in schema["type"], name
        assert extra[name]["value"] == spec["schema"].get("default"), name
    assert extra["token"]["schema"]["format"] == "password" and extra["proxy"]["schema"]["format"] == "password"
    if AIRFLOW_V_3_2_PLUS or sys.version_info >= (3, 11):
        # Airflow 3.1's hook_meta patches `wtforms.validators.any_of` on a mock that Python 3.10's mock.patch
        # resolves differently from the module imports: there (every provider alike) enums become free text.
        assert extra["region"]["schema"]["enum"] == CONN_FIELDS["region"]["schema"]["enum"]
        assert extra["credential_source"]["schema"]["enum"] == CONN_FIELDS["credential_source"]["schema"]["enum"]
    assert "integer" in extra["duration_seconds"]["schema"]["type"]


# Every module a DAG file or the provider manager imports, in the order a worker meets them.
LIGHT_MODULES = (
    "fs.cos",
    "fs.storage",
    "hooks.cos",
    "hooks.image_search",
    "hooks.vod",
    "operators.image_search",
    "operators.image_search.search",
    "operators.image_search.manage",
    "operators.image_search.sync",
    "operators.vod",
    "operators.vod.generate",
    "sensors.vod",
    "triggers.vod",
    "openlineage",
    "get_provider_info",
)
# Imported only when a task sends or reads: the service SDKs (test-only oracles; the runtime signs with
# CommonClient), the S3 stack, image decoding.
HEAVY_PREFIXES = ("tencentcloud", "s3fs", "botocore", "aiobotocore", "boto3", "PIL")


@pytest.mark.server
def test_importing_the_provider_is_light():
    """In a fresh interpreter (this one has the oracles and the S3 stack loaded), after ``airflow.sdk``
    (which registers the providers): importing every hook, operator, sensor, trigger, the fs modules,
    the OpenLineage module and the provider info loads no module of ``HEAVY_PREFIXES`` (no service SDK
    module, ``tencentcloud.{tiia,vod,sts}`` included) and no OpenLineage module but our own. One process
    for what were five tests, each importing a subset of these modules (so each of their checks still holds).
    """
    code = (
        "import json, sys, importlib, airflow.sdk\n"
        "before = set(sys.modules)\n"
        f"for name in {LIGHT_MODULES!r}: importlib.import_module('airflow_provider_tencent.' + name)\n"
        f"heavy = sorted(m for m in sys.modules if m.startswith({HEAVY_PREFIXES!r}))\n"
        "lineage = sorted(m for m in set(sys.modules) - before"
        " if 'openlineage' in m and not m.startswith('airflow_provider_tencent.'))\n"
        "print('@@' + json.dumps({'heavy': heavy, 'openlineage': lineage}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=True)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("@@"))
    assert json.loads(line[2:]) == {"heavy": [], "openlineage": []}


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_parses_without_connection_or_network(path, monkeypatch):
    """Each example DAG imports cleanly; a connection lookup or a socket connect during parse fails the test."""
    import socket

    from airflow.sdk.bases.hook import BaseHook
    from airflow.sdk.definitions.dag import DAG

    calls: list[str] = []

    def no_connection(cls, conn_id):
        calls.append(f"connection {conn_id}")
        raise AssertionError("connection read at parse time")

    def no_network(self, address):
        calls.append(f"connect {address}")
        raise AssertionError("network at parse time")

    monkeypatch.setattr(BaseHook, "get_connection", classmethod(no_connection))
    monkeypatch.setattr(socket.socket, "connect", no_network)
    DagBag = dagbag_class()
    started = time.perf_counter()
    bag = DagBag(dag_folder=str(path), safe_mode=False)
    elapsed = time.perf_counter() - started
    assert bag.import_errors == {}, bag.import_errors
    assert calls == []
    assert bag.dags and all(isinstance(d, DAG) for d in bag.dags.values())
    print(f"{path.name}: parsed in {elapsed * 1000:.0f} ms")


def test_aigc_dag_trigger_form_params():
    dag = dagbag_class()(dag_folder=str(REPO / "dags" / "tencent_aigc_subjects.py")).dags["tencent_aigc_subjects"]
    params = {k: dag.params.get_param(k) for k in dag.params}
    schema = {k: p.schema for k, p in params.items()}
    assert set(schema) >= {"source_prefix", "subject_name", "description", "frontal_hint", "output_path"}
    assert all(s.get("title") and "string" in s.get("type", ()) for s in schema.values()), schema
    assert all(p.description for p in params.values())
    assert schema["subject_name"]["maxLength"] == 20 and schema["description"]["maxLength"] == 100
    # the form's defaults trigger as they are: the optional subject name may stay empty (null)
    assert schema["subject_name"]["type"] == ["null", "string"] and params["subject_name"].value is None
    dag.params.validate()
    with pytest.raises(ParamValidationError):
        dag.params.get_param("subject_name").resolve("x" * 21)


def test_env_is_isolated():
    assert "AIRFLOW_HOME" in os.environ
    assert os.environ.get("NO_PROXY") == "*"
