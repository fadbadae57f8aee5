"""The cos:// filesystem and presigned URLs against a real S3-compatible server (moto) on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from airflow.sdk import ObjectStoragePath

from airflow_provider_tencent.hooks.cos import CosHook, presign, read_bytes, redact_url, to_storage_path


@pytest.fixture
def cos(local_s3, cos_bucket, monkeypatch):
    conn = {
        "conn_type": "tencentcloud",
        "login": "AKIDexample",
        "password": "examplekey",
        "extra": {"cos_endpoint_url": local_s3.url},
    }
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    return cos_bucket


def test_write_list_read(cos):
    root = ObjectStoragePath(f"cos://{cos}/images/", conn_id="tencentcloud_default")
    (root / "a.txt").write_text("alpha")
    (root / "sub" / "b.bin").write_bytes(b"\x00beta")
    assert sorted(p.name for p in root.iterdir()) == ["a.txt", "sub"]
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == ["a.txt", "b.bin"]
    assert (root / "a.txt").read_text() == "alpha" and (root / "sub" / "b.bin").stat().st_size == 5
    assert not (root / "missing").exists()


def test_read_bytes_limits_and_missing(cos):
    path = to_storage_path(f"cos://{cos}/big.bin", None)
    path.write_bytes(b"x" * 1000)
    assert len(read_bytes(path, max_bytes=10)) == 11  # enough to tell it is too big, no more
    with pytest.raises(FileNotFoundError, match="nothing.bin"):
        read_bytes(to_storage_path(f"cos://{cos}/nothing.bin", None))


def test_presigned_url_downloads_and_is_time_limited(cos):
    path = to_storage_path(f"cos://{cos}/p.png", "tencentcloud_default")
    path.write_bytes(b"picture-bytes")
    url = presign(path, expires_in=90)
    assert urllib.request.urlopen(url, timeout=5).read() == b"picture-bytes"
    # moto does not enforce expiry, so the limit is checked where it is carried: in the signed URL
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["90"]
    assert redact_url(url) == url.split("?")[0] and "Signature" not in redact_url(url)


def test_presigned_url_carries_the_session_token(local_s3, cos_bucket, monkeypatch):
    conn = {
        "conn_type": "tencentcloud",
        "login": "AKIDtmp",
        "password": "tmpkey",
        "extra": {"cos_endpoint_url": local_s3.url, "token": "session-token-1"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    # a distinct conn id so that Airflow's per-connection filesystem cache does not answer
    monkeypatch.setenv("AIRFLOW_CONN_COS_WITH_TOKEN", json.dumps(conn))
    path = to_storage_path(f"cos://{cos_bucket}/t.png", "cos_with_token")
    path.write_bytes(b"t")
    query = parse_qs(urlsplit(presign(path, 60)).query)
    assert query["X-Amz-Security-Token"] == ["session-token-1"]


def test_default_cos_endpoint_options(monkeypatch):
    conn = {
        "conn_type": "tencentcloud",
        "login": "AKIDexample",
        "password": "examplekey",
        "extra": {"region": "ap-shanghai"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_COS_DEFAULTS", json.dumps(conn))
    options = CosHook("cos_defaults").storage_options()
    assert options["endpoint_url"] == "https://cos.ap-shanghai.myqcloud.com"
    assert options["config_kwargs"]["s3"] == {"addressing_style": "virtual"}
    assert options["config_kwargs"]["request_checksum_calculation"] == "when_required"
    assert options["config_kwargs"]["response_checksum_validation"] == "when_required"


def test_s3_paths_presign_too(local_s3, cos_bucket, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_s3.url)
    path = to_storage_path(f"s3://{cos_bucket}/s3.png", None)
    path.write_bytes(b"s3-bytes")
    assert urllib.request.urlopen(presign(path, 60), timeout=5).read() == b"s3-bytes"


def test_only_object_storage_can_be_presigned(tmp_path):
    from airflow_provider_tencent.exceptions import TencentCloudInputError

    (tmp_path / "f.png").write_bytes(b"x")
    with pytest.raises(TencentCloudInputError, match="only cos:// and s3://"):
        presign(to_storage_path(str(tmp_path / "f.png"), None))


def test_fs_module_import_is_light():
    code = (
        "import sys, airflow_provider_tencent.fs.cos;"
        "print([m for m in sys.modules if m.startswith(('s3fs', 'botocore', 'aiobotocore'))])"
    )
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )


def test_asset_uri_needs_a_bucket():
    from urllib.parse import urlsplit as split

    from airflow_provider_tencent.fs.cos import sanitize_uri

    assert sanitize_uri(split("cos://b-125/x")).netloc == "b-125"
    with pytest.raises(ValueError, match="bucket"):
        sanitize_uri(split("cos:///x"))
