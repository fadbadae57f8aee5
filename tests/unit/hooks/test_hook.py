"""TencentCloudHook through the real SDK (TC3 signing) against the emulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time

import pytest

from airflow_provider_tencent.exceptions import (
    TencentCloudAccountError,
    TencentCloudAPIError,
    TencentCloudConfigError,
)
from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.hooks.image_search import ImageSearchHook
from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY
from airflow_provider_tencent.testing.emulator_fixtures import connection_json
from airflow_provider_tencent.testing.images import make_image

PNG = make_image(64, 64, "png", seed=3)


def use(monkeypatch, conn: dict | str) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", conn if isinstance(conn, str) else json.dumps(conn))


def conn_dict(emulator, **extra):
    return json.loads(connection_json(emulator, **extra))


def describe(hook=None):
    return (hook or ImageSearchHook()).describe_groups()


def test_good_call_and_no_connection_read_in_init(tencentcloud_conn, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT")
    hook = ImageSearchHook()  # no connection exists yet: __init__ must not read it
    use(monkeypatch, connection_json(tencentcloud_conn.emulator))
    hook.create_group("g", "gallery")
    assert [g["GroupId"] for g in describe(hook)] == ["g"]
    assert hook.get_client("tiia", "2019-05-29") is hook.get_client("tiia", "2019-05-29")
    assert tencentcloud_conn.emulator.counters() == {"CreateGroup": {"ok": 1}, "DescribeGroups": {"ok": 1}}


def test_language_and_endpoint_profile(tencentcloud_conn):
    client = TencentCloudHook().get_client("tiia", "2019-05-29")
    assert client.profile.language == "en-US"
    assert client.profile.disable_region_breaker is True and client.profile.retryer is None
    assert client.profile.httpProfile.scheme == "http"  # protocol given to the constructor


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"password": "WrongSecretKey00000000000000000"}, "AuthFailure.SignatureFailure"),
        ({"login": "AKIDnobody000000000000000000000000"}, "AuthFailure.SecretIdNotFound"),
    ],
)
def test_bad_keys_are_account_errors(tencentcloud_conn, monkeypatch, change, code):
    use(monkeypatch, {**conn_dict(tencentcloud_conn.emulator), **change})
    with pytest.raises(TencentCloudAccountError) as err:
        describe()
    assert err.value.code == code and err.value.request_id
    assert sum(tencentcloud_conn.emulator.counters()["DescribeGroups"].values()) == 1  # not retried
    assert "WrongSecretKey" not in str(err.value)


def test_stale_timestamp(tencentcloud_conn, monkeypatch):
    import tencentcloud.common.abstract_client as sdk

    class SkewedTime:
        @staticmethod
        def time():
            return time.time() - 301

    monkeypatch.setattr(sdk, "time", SkewedTime)
    with pytest.raises(TencentCloudAccountError) as err:
        describe()
    assert err.value.code == "AuthFailure.SignatureExpire" and "clock" in str(err.value)


def test_session_token(tencentcloud_conn, monkeypatch):
    emulator = tencentcloud_conn.emulator
    emulator.add_credential("AKIDTMPSTATIC000000000000000000000", "TmpKey0000000000000000000000", token="tok-123")
    conn = conn_dict(emulator)
    use(
        monkeypatch,
        {
            **conn,
            "login": "AKIDTMPSTATIC000000000000000000000",
            "password": "TmpKey0000000000000000000000",
            "extra": {**conn["extra"], "token": "tok-123"},
        },
    )
    assert describe() == []
    use(
        monkeypatch,
        {
            **conn,
            "login": "AKIDTMPSTATIC000000000000000000000",
            "password": "TmpKey0000000000000000000000",
            "extra": {**conn["extra"], "token": "tok-999"},
        },
    )
    with pytest.raises(TencentCloudAccountError) as err:
        describe()
    assert err.value.code == "AuthFailure.TokenFailure"


def test_assumed_role_is_refreshed_before_expiry(tencentcloud_conn, monkeypatch):
    emulator = tencentcloud_conn.emulator
    emulator.sts_lifetime_override = 2
    use(monkeypatch, connection_json(emulator, role_arn="qcs::cam::uin/100000000001:roleName/airflow"))
    hook = ImageSearchHook()
    for _ in range(4):
        describe(hook)
        time.sleep(0.7)
    counters = emulator.counters()
    assert counters["DescribeGroups"] == {"ok": 4}
    assert counters["AssumeRole"]["ok"] >= 2  # refreshed, never used past expiry
    assert hook.get_credential().refreshes == counters["AssumeRole"]["ok"]
    signers = {r["action"]: set() for r in emulator.requests}
    for r in emulator.requests:
        signers[r["action"]].add(r["secret_id"])
    assert signers["AssumeRole"] == {TEST_SECRET_ID}  # the permanent key only asks for temporary ones
    assert len(signers["DescribeGroups"]) >= 2 and all(s.startswith("AKIDTMP") for s in signers["DescribeGroups"])


def test_cvm_role(tencentcloud_conn, monkeypatch):
    emulator = tencentcloud_conn.emulator
    conn = conn_dict(emulator, credential_source="cvm_role", metadata_endpoint=f"{emulator.url}/latest/meta-data/")
    use(monkeypatch, {k: v for k, v in conn.items() if k not in ("login", "password")})
    assert describe() == []
    assert emulator.counters()["CvmMetadata"] == {"role": 1, "ok": 1}
    [call] = [r for r in emulator.requests if r["action"] == "DescribeGroups"]
    assert call["outcome"] == "ok" and call["secret_id"].startswith("AKIDTMP")  # signed with the role's keys


def test_no_credentials_anywhere(tencentcloud_emulator, monkeypatch, tmp_path):
    monkeypatch.delenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", raising=False)
    for var in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TKE_REGION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    use(
        monkeypatch,
        {
            "conn_type": "tencentcloud",
            "extra": {
                "endpoint_url": tencentcloud_emulator.url,
                "credential_source": "default_chain",
                "metadata_endpoint": "http://127.0.0.1:9/latest/meta-data/",
            },
        },
    )
    with pytest.raises(TencentCloudConfigError) as err:
        describe()
    text = str(err.value)
    for place in ("TENCENTCLOUD_SECRET_ID", "~/.tencentcloud/credentials", "CVM instance role", "TKE_REGION"):
        assert place in text
    assert not tencentcloud_emulator.counters()


def test_no_connection_and_no_credentials(tencentcloud_emulator, monkeypatch, tmp_path):
    """The connection does not exist and nothing is configured: a config error that says where it looked."""
    import airflow_provider_tencent.hooks.credentials as credentials

    monkeypatch.delenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", raising=False)
    for var in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TKE_REGION", "TENCENTCLOUD_CREDENTIALS_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    # the default CVM metadata address, made unreachable at once (nothing listens on port 9)
    monkeypatch.setattr(credentials, "CVM_METADATA_ENDPOINT", "http://127.0.0.1:9/latest/meta-data/")
    hook = TencentCloudHook()
    with pytest.raises(TencentCloudConfigError) as err:
        hook.call("sts", "2018-08-13", "GetCallerIdentity", {})
    text = str(err.value)
    assert "no connection was found" in text
    for place in ("TENCENTCLOUD_SECRET_ID", "~/.tencentcloud/credentials", "CVM instance role", "TKE_REGION"):
        assert place in text
    assert not tencentcloud_emulator.counters()
    ok, message = TencentCloudHook().test_connection()
    assert not ok and "No Tencent Cloud credentials" in message


def test_environment_credentials(tencentcloud_emulator, monkeypatch):
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", TEST_SECRET_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", TEST_SECRET_KEY)
    use(
        monkeypatch,
        {"conn_type": "tencentcloud", "extra": {"endpoint_url": tencentcloud_emulator.url, "credential_source": "env"}},
    )
    assert describe() == []


def test_unknown_region_and_bad_extras(tencentcloud_conn, monkeypatch):
    use(monkeypatch, connection_json(tencentcloud_conn.emulator, region="mars-north-1"))
    with pytest.raises(TencentCloudConfigError, match="unknown region 'mars-north-1'"):
        describe()
    use(monkeypatch, connection_json(tencentcloud_conn.emulator, read_timeout="soon"))
    with pytest.raises(TencentCloudConfigError, match="'read_timeout' must be a number"):
        describe()
    assert not tencentcloud_conn.emulator.counters()


def test_test_connection(tencentcloud_conn, monkeypatch):
    ok, message = TencentCloudHook().test_connection()
    assert ok and "Arn" in message
    use(monkeypatch, {**conn_dict(tencentcloud_conn.emulator), "password": "nope0000000000000000000000"})
    ok, message = TencentCloudHook().test_connection()
    assert not ok and message.startswith("AuthFailure.SignatureFailure")


def test_throttling_is_retried(tencentcloud_conn):
    tencentcloud_conn.emulator.inject("throttle", action="DescribeGroups", times=2)
    assert describe() == []
    assert tencentcloud_conn.emulator.counters()["DescribeGroups"] == {"RequestLimitExceeded": 2, "ok": 1}


class CountingLimiter:
    """Paces nothing; counts what the hook tells a limiter."""

    def __init__(self) -> None:
        self.acquired = self.throttled = 0

    def acquire(self) -> None:
        self.acquired += 1

    def on_throttled(self) -> None:
        self.throttled += 1


def test_throttles_have_their_own_budget(tencentcloud_conn):
    """max_attempts (4 here) counts other failures; RequestLimitExceeded may come 3 x 4 = 12 times."""
    emulator = tencentcloud_conn.emulator
    emulator.qps_scale = 100  # only injected throttles here
    emulator.inject("throttle", action="DescribeGroups", times=2)
    emulator.inject("inner_error", action="DescribeGroups", times=3)
    emulator.inject("throttle", action="DescribeGroups", times=6)
    limiter = CountingLimiter()
    TencentCloudHook().call("tiia", "2019-05-29", "DescribeGroups", {}, limiter=limiter)
    expected = {"RequestLimitExceeded": 8, "FailedOperation.InnerError": 3, "ok": 1}
    assert emulator.counters()["DescribeGroups"] == expected
    assert (limiter.acquired, limiter.throttled) == (12, 8)
    emulator.clear_faults()
    emulator.reset()
    emulator.inject("throttle", action="DescribeGroups")
    with pytest.raises(TencentCloudAPIError) as err:
        TencentCloudHook().call("tiia", "2019-05-29", "DescribeGroups", {}, limiter=CountingLimiter())
    assert err.value.code == "RequestLimitExceeded"
    assert emulator.counters()["DescribeGroups"] == {"RequestLimitExceeded": 12}


@pytest.mark.parametrize("fault", ["inner_error", "http_5xx"])
def test_read_only_actions_retry_transient_errors(tencentcloud_conn, fault):
    emulator = tencentcloud_conn.emulator
    emulator.create_group("g")
    emulator.inject(fault, action="DescribeImages", times=2)
    # no picture: the service answers FailedOperation.ImageNotFoundInfo, which the hook reads as "none"
    assert ImageSearchHook().describe_images("g", "e") == []
    outcome = "FailedOperation.InnerError" if fault == "inner_error" else "fault:http_5xx"
    assert emulator.counters()["DescribeImages"] == {outcome: 2, "FailedOperation.ImageNotFoundInfo": 1}


def create_image_params(pic_name="p"):
    return {"GroupId": "g", "EntityId": "e", "PicName": pic_name, "ImageBase64": base64.b64encode(PNG).decode()}


def test_create_image_is_not_repeated_after_a_reset(tencentcloud_conn):
    emulator = tencentcloud_conn.emulator
    emulator.create_group("g")
    emulator.inject("reset", action="CreateImage", times=1)
    with pytest.raises(TencentCloudAPIError) as err:
        TencentCloudHook().call("tiia", "2019-05-29", "CreateImage", create_image_params())
    assert err.value.code == "ClientNetworkError" and err.value.sent and err.value.ambiguous
    assert emulator.counters()["CreateImage"] == {"fault:reset": 1}  # one attempt only
    assert emulator.images() == []


def test_create_image_transient_error_is_not_repeated_by_call(tencentcloud_conn):
    emulator = tencentcloud_conn.emulator
    emulator.create_group("g")
    emulator.inject("inner_error", action="CreateImage", times=1)
    with pytest.raises(TencentCloudAPIError) as err:
        TencentCloudHook().call("tiia", "2019-05-29", "CreateImage", create_image_params())
    assert err.value.code == "FailedOperation.InnerError" and err.value.retryable and err.value.request_id
    assert emulator.counters()["CreateImage"] == {"FailedOperation.InnerError": 1}
    # the caller that deduplicates (PicName is unique) may opt in
    TencentCloudHook().call("tiia", "2019-05-29", "CreateImage", create_image_params(), retry_transient=True)
    assert [p["PicName"] for p in emulator.images()] == ["p"]


def test_read_timeout_after_commit_is_ambiguous(tencentcloud_conn, monkeypatch):
    emulator = tencentcloud_conn.emulator
    emulator.create_group("g")
    use(monkeypatch, connection_json(emulator, read_timeout=0.5))
    emulator.inject("commit_then_hang", action="CreateImage", times=1, delay=1.5)
    with pytest.raises(TencentCloudAPIError) as err:
        TencentCloudHook().call("tiia", "2019-05-29", "CreateImage", create_image_params())
    assert err.value.code == "ClientNetworkError" and err.value.sent and err.value.ambiguous
    assert "ReadTimeout" in err.value.message
    assert emulator.counters()["CreateImage"] == {"fault:commit_then_hang": 1}
    assert [p["PicName"] for p in emulator.images()] == ["p"]  # the work was done


def test_create_group_is_not_repeated_after_a_reset(tencentcloud_conn):
    hook = TencentCloudHook()
    tencentcloud_conn.emulator.inject("reset", action="CreateGroup", times=1)
    with pytest.raises(TencentCloudAPIError) as err:
        hook.call("tiia", "2019-05-29", "CreateGroup", {"GroupId": "g", "GroupName": "g", "MaxCapacity": 1})
    assert err.value.code == "ClientNetworkError" and err.value.sent and err.value.ambiguous
    assert tencentcloud_conn.emulator.counters()["CreateGroup"] == {"fault:reset": 1}


def test_refused_port_is_retried_and_reported_not_sent(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    use(
        monkeypatch,
        {
            "conn_type": "tencentcloud",
            "login": TEST_SECRET_ID,
            "password": TEST_SECRET_KEY,
            "extra": {"endpoint_url": f"http://127.0.0.1:{port}", "max_attempts": 3, "backoff_base": 0.01},
        },
    )
    hook = TencentCloudHook()
    attempts = []
    real_call_once = hook._call_once

    def counting_call_once(*args, **kwargs):  # a spy: every attempt still goes to the (closed) port
        attempts.append(1)
        return real_call_once(*args, **kwargs)

    monkeypatch.setattr(hook, "_call_once", counting_call_once)
    started = time.monotonic()
    with pytest.raises(TencentCloudAPIError) as err:
        hook.call("tiia", "2019-05-29", "CreateImage", create_image_params())
    assert err.value.code == "ClientNetworkError" and err.value.sent is False and not err.value.ambiguous
    assert "not sent" in err.value.message and time.monotonic() - started < 5
    assert len(attempts) == 3  # never sent, so even a create is retried, up to max_attempts


# -- credential refresh failures: no deadlock, reported as themselves --------------------------------------
def test_assume_role_token_failure_does_not_deadlock(tencentcloud_conn, monkeypatch):
    emulator = tencentcloud_conn.emulator
    emulator.add_credential("AKIDTMPBASE00000000000000000000000", "TmpBaseKey000000000000000000", token="good")
    conn = conn_dict(emulator, role_arn="qcs::cam::uin/100000000001:roleName/airflow", token="revoked")
    use(
        monkeypatch, {**conn, "login": "AKIDTMPBASE00000000000000000000000", "password": "TmpBaseKey000000000000000000"}
    )
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            describe()
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=3)
    assert not worker.is_alive(), "the hook deadlocked"
    assert isinstance(outcome[0], TencentCloudAccountError) and outcome[0].code == "AuthFailure.TokenFailure"


def test_assume_role_failure_is_reported_as_itself(tencentcloud_conn, monkeypatch):
    emulator = tencentcloud_conn.emulator
    conn = conn_dict(emulator, role_arn="qcs::cam::uin/100000000001:roleName/airflow")
    use(monkeypatch, {**conn, "password": "WrongSecretKey00000000000000000"})
    with pytest.raises(TencentCloudAccountError) as err:
        describe()
    assert err.value.code == "AuthFailure.SignatureFailure"
    assert emulator.counters() == {"AssumeRole": {"AuthFailure.SignatureFailure": 1}}


class ForwardProxy:
    """A plain-HTTP forward proxy on loopback that relays each request and records where it went."""

    def __init__(self) -> None:
        import http.client
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlsplit

        seen: list[str] = []
        self.seen = seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                target = urlsplit(self.path)  # a proxy is sent the absolute URL
                seen.append(f"{target.scheme}://{target.netloc}")
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection",)}
                upstream.request("POST", target.path or "/", body, headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_connection_proxy_carries_every_call(tencentcloud_conn, monkeypatch):
    """The connection's ``proxy`` extra is used for every call (the environment is not re-read per call)."""
    proxy = ForwardProxy()
    try:
        use(monkeypatch, connection_json(tencentcloud_conn.emulator, proxy=proxy.url))
        hook = ImageSearchHook()
        hook.create_group("g", "via the proxy")
        monkeypatch.setenv("NO_PROXY", "*")  # set after the client exists: changes nothing for it
        assert [g["GroupId"] for g in hook.describe_groups()] == ["g"]
        assert proxy.seen == [tencentcloud_conn.url] * 2
        assert tencentcloud_conn.emulator.counters() == {"CreateGroup": {"ok": 1}, "DescribeGroups": {"ok": 1}}
    finally:
        proxy.stop()
