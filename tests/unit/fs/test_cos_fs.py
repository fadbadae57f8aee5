"""The cos:// filesystem, storage helpers and presigned URLs, against a real S3-compatible server (moto) on loopback.

Airflow caches one filesystem per (scheme, conn_id) and process, so tests whose connection differs
from the ``tencentcloud_default`` one below use a connection id of their own.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from calendar import timegm
from urllib.parse import parse_qs, urlsplit

import pytest
from airflow.sdk import ObjectStoragePath

from airflow_provider_tencent.compat import storage_conn_id
from airflow_provider_tencent.exceptions import TencentCloudConfigError, TencentCloudInputError
from airflow_provider_tencent.fs.storage import presign, read_bytes, to_storage_path
from airflow_provider_tencent.hooks.cos import CosHook
from airflow_provider_tencent.utils.secrets import redact_url


def _conn(**extra: object) -> str:
    return json.dumps({"conn_type": "tencentcloud", "login": "AKIDexample", "password": "examplekey", "extra": extra})


@pytest.fixture
def cos(tencentcloud_local_s3, tencentcloud_cos_bucket, monkeypatch):
    """``tencentcloud_default`` pointing COS at the local server; the name of a fresh bucket."""
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", _conn(cos_endpoint_url=tencentcloud_local_s3.url))
    return tencentcloud_cos_bucket


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# -- ObjectStoragePath on cos:// ------------------------------------------------------------------


def test_object_storage_path_writes_lists_reads(cos):
    root = ObjectStoragePath(f"cos://{cos}/images/", conn_id="tencentcloud_default")
    (root / "a.txt").write_text("alpha")
    (root / "sub" / "b.bin").write_bytes(b"\x00beta")
    with (root / "c.txt").open("wb") as fh:
        fh.write(b"gamma!")

    assert sorted(p.name for p in root.iterdir()) == ["a.txt", "c.txt", "sub"]
    assert sorted(p.name for p in root.glob("*.txt")) == ["a.txt", "c.txt"]
    assert sorted(p.name for p in root.rglob("*") if p.is_file()) == ["a.txt", "b.bin", "c.txt"]
    assert (root / "a.txt").read_text() == "alpha"
    assert (root / "sub" / "b.bin").read_bytes() == b"\x00beta"
    assert (root / "sub").is_dir() and (root / "a.txt").is_file()
    assert (root / "sub" / "b.bin").stat().st_size == 5 and (root / "c.txt").size() == 6
    assert (root / "a.txt").exists() and not (root / "missing.txt").exists()
    # the same objects through the path helper, from a plain string
    assert to_storage_path(f"cos://{cos}/images/a.txt", None).read_text() == "alpha"


def test_requests_are_signed_with_the_connection_keys_not_aws(
    tencentcloud_local_s3, tencentcloud_cos_bucket, monkeypatch
):
    monkeypatch.setenv("AIRFLOW_CONN_COS_OWN_KEYS", _conn(cos_endpoint_url=tencentcloud_local_s3.url))
    path = ObjectStoragePath(f"cos://{tencentcloud_cos_bucket}/who.txt", conn_id="cos_own_keys")
    path.write_bytes(b"x")
    # moto does not verify signatures, so look at what is signed: the presigned URL's key id and scope
    credential = _query(presign(path, 60))["X-Amz-Credential"][0]
    assert credential.startswith("AKIDexample/") and credential.endswith("/ap-guangzhou/s3/aws4_request")


def test_plain_fsspec_cos_uses_the_default_connection_not_aws(cos, tencentcloud_local_s3):
    import fsspec

    (ObjectStoragePath(f"cos://{cos}/plain.txt", conn_id="tencentcloud_default")).write_text("via the connection")
    fs = fsspec.filesystem("cos", skip_instance_cache=True)  # no endpoint, no keys: tencentcloud_default's
    assert fs.endpoint_url == tencentcloud_local_s3.url
    assert fs.cat(f"{cos}/plain.txt") == b"via the connection"
    explicit = fsspec.filesystem(
        "cos", endpoint_url="http://127.0.0.1:9", key="k", secret="s", skip_instance_cache=True
    )
    assert explicit.endpoint_url == "http://127.0.0.1:9"  # given options are taken as they are


# -- read_bytes ---------------------------------------------------------------------------------


def test_read_bytes_of_a_missing_object_names_it(cos):
    with pytest.raises(FileNotFoundError, match=re.escape(f"cos://{cos}/nothing/here.png")):
        read_bytes(to_storage_path(f"cos://{cos}/nothing/here.png", None))
    with pytest.raises(FileNotFoundError, match=re.escape("here.png")):
        read_bytes(f"cos://{cos}/nothing/here.png", max_bytes=10)


def test_read_bytes_stops_after_max_bytes_plus_one(cos, tencentcloud_local_s3):
    path = to_storage_path(f"cos://{cos}/big.bin", None)
    path.write_bytes(bytes(range(256)) * 40)  # 10 240 bytes
    tencentcloud_local_s3.requests.clear()

    data = read_bytes(path, max_bytes=10)

    assert data == bytes(range(11))  # one byte more than allowed: "too big", without the rest
    gets = [r for r in tencentcloud_local_s3.requests if r.method == "GET" and r.path.endswith("/big.bin")]
    assert [r.range for r in gets] == ["bytes=0-10"]  # one ranged request, nothing else downloaded
    assert len(read_bytes(path, max_bytes=10_240)) == 10_240  # exactly the limit: all of it
    assert len(read_bytes(path)) == 10_240

    empty = to_storage_path(f"cos://{cos}/empty.bin", None)
    empty.write_bytes(b"")
    assert read_bytes(empty, max_bytes=10) == b""  # S3 answers 416 to a range of an empty object


def test_read_bytes_of_local_files(tmp_path):
    (tmp_path / "f.bin").write_bytes(b"0123456789")
    assert read_bytes(str(tmp_path / "f.bin"), max_bytes=3) == b"0123"
    assert read_bytes(f"file://{tmp_path}/f.bin") == b"0123456789"
    with pytest.raises(FileNotFoundError, match=re.escape("nope.bin")):
        read_bytes(tmp_path / "nope.bin")


# -- presigned URLs -----------------------------------------------------------------------------


def test_presigned_url_downloads_then_expires(cos):
    path = to_storage_path(f"cos://{cos}/p.png", "tencentcloud_default")
    path.write_bytes(b"picture-bytes")

    url = presign(path, presign_expires=2)

    assert urllib.request.urlopen(url, timeout=5).read() == b"picture-bytes"
    query = _query(url)
    assert query["X-Amz-Expires"] == ["2"]
    signed_at = timegm(time.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ"))
    time.sleep(max(0.0, signed_at + 2 + 1.2 - time.time()))
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(url, timeout=5)
    assert failed.value.code == 403 and b"Request has expired" in failed.value.read()


def test_presigned_url_carries_the_session_token(tencentcloud_local_s3, tencentcloud_cos_bucket, monkeypatch):
    conn = {
        "conn_type": "tencentcloud",
        "login": "AKIDtmp",
        "password": "tmpkey",
        "extra": {"cos_endpoint_url": tencentcloud_local_s3.url, "token": "session-token-0123456789"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_COS_WITH_TOKEN", json.dumps(conn))
    path = ObjectStoragePath(f"cos://{tencentcloud_cos_bucket}/t.png", conn_id="cos_with_token")
    path.write_bytes(b"t-bytes")

    url = presign(path, 60)

    assert _query(url)["X-Amz-Security-Token"] == ["session-token-0123456789"]
    assert _query(url)["X-Amz-Credential"][0].startswith("AKIDtmp/")
    assert urllib.request.urlopen(url, timeout=5).read() == b"t-bytes"


def test_presigned_urls_are_redacted_wherever_they_are_shown(cos):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    from airflow_provider_tencent.hooks.errors import translate
    from airflow_provider_tencent.utils.secrets import redact_urls

    path = to_storage_path(f"cos://{cos}/m.png", None)
    url = presign(path, 60)
    signature = _query(url)["X-Amz-Signature"][0]
    assert redact_url(url) == f"{urlsplit(url).scheme}://{urlsplit(url).netloc}/{cos}/m.png"
    assert redact_url("https://user:pw@h.example/a/b.png?X-Amz-Signature=abc#frag") == "https://h.example/a/b.png"
    assert redact_url("https://h.example/a.png") == "https://h.example/a.png"
    assert redact_urls(f"frontal {url}, refer 'http://h/x.png?q=1'") == (
        f"frontal {redact_url(url)}, refer 'http://h/x.png'"
    )
    # a server that echoes the URL it could not download: the error raised holds no signature
    echoed = TencentCloudSDKException("FailedOperation", f"downloading {url} failed", "rid-1")
    error = translate(echoed, "vod", "CreateAigcCustomElement")
    assert signature not in f"{error}" and urlsplit(url).query not in f"{error}"
    assert redact_url(url) in f"{error}" and error.request_id == "rid-1"


def test_only_objects_can_be_presigned(cos, tmp_path):
    (tmp_path / "f.png").write_bytes(b"x")
    with pytest.raises(TencentCloudInputError, match=r"only cos:// and s3://"):
        presign(to_storage_path(str(tmp_path / "f.png"), None))
    for bad in (0, -5, 7 * 24 * 3600 + 1, 1.5, True):
        with pytest.raises(TencentCloudInputError, match="presign_expires"):
            presign(f"cos://{cos}/x.png", bad)  # type: ignore[arg-type]
    with pytest.raises(TencentCloudInputError, match="object key"):
        presign(f"cos://{cos}/")


def test_s3_paths_on_the_same_server(tencentcloud_local_s3, tencentcloud_cos_bucket):
    # the tencentcloud_local_s3 fixture points the default AWS chain (dummy keys, AWS_ENDPOINT_URL) at the server
    path = to_storage_path(f"s3://{tencentcloud_cos_bucket}/s3.png", "tencentcloud_default")
    assert isinstance(path, ObjectStoragePath) and path.protocol == "s3" and storage_conn_id(path) is None
    path.write_bytes(b"s3-bytes")
    assert read_bytes(path, max_bytes=100) == b"s3-bytes"
    url = presign(path, 60)
    assert url.startswith(tencentcloud_local_s3.url) and _query(url)["X-Amz-Expires"] == ["60"]
    assert urllib.request.urlopen(url, timeout=5).read() == b"s3-bytes"


# -- temporary keys -----------------------------------------------------------------------------


class ChangingKeys:
    """A credential whose keys change at every read, like temporary keys renewed by the hook."""

    def __init__(self) -> None:
        self.reads = 0

    def get_credential_info(self) -> tuple[str, str, str]:
        self.reads += 1
        return f"AKIDrole{self.reads}", f"rolekey{self.reads}", f"role-token-{self.reads}"


def test_temporary_keys_are_re_read_while_in_use(tencentcloud_local_s3, tencentcloud_cos_bucket, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_COS_ROLE", _conn(cos_endpoint_url=tencentcloud_local_s3.url))
    hook = CosHook("cos_role")
    hook.credential = keys = ChangingKeys()
    hook.credential_reread_seconds = 0  # re-read before every request (60 s in production)

    fs = hook.get_fs()
    assert keys.reads == 0 and "key" not in fs.storage_options  # read on first use, not when built

    fs.pipe_file(f"{tencentcloud_cos_bucket}/r.bin", b"role-bytes")
    first = _query(fs.sign(f"{tencentcloud_cos_bucket}/r.bin", expiration=60))
    second = _query(fs.sign(f"{tencentcloud_cos_bucket}/r.bin", expiration=60))

    key_ids = [q["X-Amz-Credential"][0].split("/")[0] for q in (first, second)]
    tokens = [q["X-Amz-Security-Token"][0] for q in (first, second)]
    assert key_ids[0] != key_ids[1] and all(k.startswith("AKIDrole") for k in key_ids)  # never AWS's "testing"
    assert tokens[0] != tokens[1] and tokens[1] == f"role-token-{key_ids[1].removeprefix('AKIDrole')}"
    assert fs.cat_file(f"{tencentcloud_cos_bucket}/r.bin") == b"role-bytes"


def test_temporary_keys_are_kept_for_a_minute_by_default(tencentcloud_local_s3, tencentcloud_cos_bucket, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_COS_ROLE2", _conn(cos_endpoint_url=tencentcloud_local_s3.url))
    hook = CosHook("cos_role2")
    hook.credential = keys = ChangingKeys()
    fs = hook.get_fs()
    urls = [fs.sign(f"{tencentcloud_cos_bucket}/r.bin", expiration=60) for _ in range(3)]
    assert keys.reads == 1 and len({_query(u)["X-Amz-Security-Token"][0] for u in urls}) == 1


# -- options built from the connection (no network) ---------------------------------------------


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected network use: {args[:2]}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def test_default_endpoint_is_cos_with_virtual_addressing(monkeypatch, no_network):
    monkeypatch.setenv("AIRFLOW_CONN_COS_PLAIN", _conn())
    hook = CosHook("cos_plain")
    options = hook.storage_options()
    assert options["endpoint_url"] == "https://cos.ap-guangzhou.myqcloud.com"
    assert options["client_kwargs"] == {"region_name": "ap-guangzhou"}

    fs = hook.get_fs()
    fs.connect()  # builds the botocore client: no request is sent
    config = fs.s3.meta.config
    assert fs.s3.meta.endpoint_url == "https://cos.ap-guangzhou.myqcloud.com"
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.s3 == {"addressing_style": "virtual"}
    assert (config.connect_timeout, config.read_timeout) == (10.0, 60.0)
    # signing is offline too: the bucket is in the host name
    url = fs.sign("examplebucket-1250000000/images/a.png", expiration=60)
    assert url.startswith("https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/images/a.png?")
    assert "/ap-guangzhou/s3/aws4_request" in _query(url)["X-Amz-Credential"][0]


def test_region_endpoint_and_addressing_overrides(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_COS_SH", _conn(region="ap-beijing", cos_region="ap-shanghai"))
    assert CosHook("cos_sh").storage_options()["endpoint_url"] == "https://cos.ap-shanghai.myqcloud.com"
    monkeypatch.setenv("AIRFLOW_CONN_COS_BJ", _conn(region="ap-beijing"))
    assert CosHook("cos_bj").storage_options()["endpoint_url"] == "https://cos.ap-beijing.myqcloud.com"

    monkeypatch.setenv("AIRFLOW_CONN_COS_LOCAL", _conn(cos_endpoint_url="http://127.0.0.1:9"))
    options = CosHook("cos_local").storage_options()
    assert options["endpoint_url"] == "http://127.0.0.1:9"
    assert options["config_kwargs"]["s3"] == {"addressing_style": "path"}

    monkeypatch.setenv(
        "AIRFLOW_CONN_COS_VH", _conn(cos_endpoint_url="https://cos.example", cos_addressing_style="auto")
    )
    assert CosHook("cos_vh").storage_options()["config_kwargs"]["s3"] == {"addressing_style": "auto"}

    monkeypatch.setenv("AIRFLOW_CONN_COS_BAD", _conn(cos_addressing_style="sideways"))
    with pytest.raises(TencentCloudConfigError, match="cos_addressing_style"):
        CosHook("cos_bad").storage_options()

    merged = CosHook("cos_local").get_fs({"config_kwargs": {"max_pool_connections": 3}})
    assert merged.config_kwargs["request_checksum_calculation"] == "when_required"
    assert merged.config_kwargs["max_pool_connections"] == 3


# -- module, Asset URIs, the server's command line ----------------------------------------------


def test_asset_uri_needs_a_bucket():
    from urllib.parse import urlsplit as split

    from airflow_provider_tencent.fs.cos import sanitize_uri

    uri = split("cos://examplebucket-1250000000/images/a.png")
    assert sanitize_uri(uri) == uri
    with pytest.raises(ValueError, match="bucket"):
        sanitize_uri(split("cos:///images/a.png"))


@pytest.mark.server
def test_server_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_tencent.testing.s3", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(f"{url}/cli-bucket-1250000000", method="PUT")
        assert urllib.request.urlopen(request, timeout=5).status == 200
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
