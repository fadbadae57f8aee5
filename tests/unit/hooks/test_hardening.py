"""Credentials renewed at any attempt, the rate slot after the refresh, connection input
that fails loud, and no secret anywhere - also at DEBUG - with each credential mode."""

from __future__ import annotations

import base64
import json
import logging
import pathlib

import pytest
from conftest import put_object

from airflow_provider_tencent.exceptions import (
    TencentCloudBatchError,
    TencentCloudConfigError,
    TencentCloudInputError,
)
from airflow_provider_tencent.fs.storage import presign
from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.hooks.image_search import TencentImageSearchHook
from airflow_provider_tencent.operators.image_search import (
    ImageSearchCreateImageBatchOperator,
    ImageSearchCreateImageOperator,
)
from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator, VodCreateAigcElementOperator
from airflow_provider_tencent.testing.images import make_image
from dev.dag_runner import find_leaks

ROLE = "qcs::cam::uin/100000000001:roleName/airflow"


def use(monkeypatch, conn):
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))


def with_extra(provider, **extra):
    merged = {**provider.extra, **extra}
    return dict(provider.conn, extra={k: v for k, v in merged.items() if v is not None})


# -- 10 / 11 ------------------------------------------------------------------------------------------------
def test_token_failure_after_a_throttle_is_renewed_and_retried(provider, monkeypatch):
    use(monkeypatch, with_extra(provider, role_arn=ROLE))
    provider.emulator.inject("throttle", action="DescribeGroups", times=1)
    provider.emulator.inject("token_failure", action="DescribeGroups", times=1)
    groups = TencentImageSearchHook().describe_groups()
    assert [g["GroupId"] for g in groups] == ["g1"]
    counters = provider.emulator.counters()
    assert counters["DescribeGroups"] == {"RequestLimitExceeded": 1, "fault:token_failure": 1, "ok": 1}
    assert counters["AssumeRole"]["ok"] == 2  # new keys after the TokenFailure


def test_token_failures_are_bounded(provider, monkeypatch):
    use(monkeypatch, with_extra(provider, role_arn=ROLE))
    provider.emulator.inject("token_failure", action="DescribeGroups")
    with pytest.raises(Exception, match="TokenFailure"):
        TencentImageSearchHook().describe_groups()
    assert provider.emulator.counters()["DescribeGroups"]["fault:token_failure"] == 3  # 1 + 2 renewals


def test_the_rate_slot_is_taken_after_the_credential_refresh(provider, monkeypatch):
    """A slow key refresh must not hold a slot: slots are taken only when the request can leave."""
    use(monkeypatch, with_extra(provider, role_arn=ROLE))
    events: list[str] = []

    class Recorder:
        def acquire(self) -> None:
            events.append("slot")

        def on_throttled(self) -> None:
            events.append("throttled")

    hook = TencentCloudHook()
    credential = hook.get_credential()
    fetch = credential._fetch

    def recorded_fetch():
        events.append("refresh")
        return fetch()

    credential._fetch = recorded_fetch
    hook.call(
        "tiia",
        "2019-05-29",
        "DescribeGroups",
        {"Limit": 10},
        limiter=Recorder(),
        before_send=lambda: events.append("send"),
    )
    assert events == ["refresh", "slot", "send"]


# -- 12 / 13: connection input --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"read_timeout": "inf"}, "read_timeout.*finite number"),
        ({"read_timeout": "nan"}, "read_timeout.*finite number"),
        ({"connect_timeout": True}, "connect_timeout.*must be a number, got bool"),
        ({"read_timeout": 1e308}, r"read_timeout.*<= 3600"),
        ({"timeout": 0}, "timeout.*> 0"),
        ({"max_attempts": 0.5}, "max_attempts.*whole number"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": "five"}, "max_attempts.*must be a number"),
        ({"endpoint_url": "http://127.0.0.1:9000/v2/"}, "endpoint_url.*has a path"),
        ({"endpoint_url": "http://127.0.0.1:9000?x=1"}, "endpoint_url.*has a path, query"),
        ({"vod_endpoint": "http://127.0.0.1:9000/vod"}, "vod endpoint.*has a path"),
    ],
)
def test_bad_extras_are_refused_naming_the_field(provider, monkeypatch, extra, match):
    use(monkeypatch, with_extra(provider, **extra))
    with pytest.raises(TencentCloudConfigError, match=match) as err:
        TencentImageSearchHook().describe_groups()
    assert "tencentcloud_default" in str(err.value)
    assert "DescribeGroups" not in provider.emulator.counters()


def test_invalid_json_extra_is_refused_not_ignored(provider, monkeypatch):
    conn = dict(provider.conn, extra='{"endpoint_url": "' + provider.emulator.url + '", ')
    use(monkeypatch, conn)
    with pytest.raises(TencentCloudConfigError, match="'tencentcloud_default': extra is not valid JSON"):
        TencentImageSearchHook().describe_groups()


def test_good_numeric_texts_still_work(provider, monkeypatch):
    use(
        monkeypatch,
        with_extra(provider, read_timeout="2.5", max_attempts="3", endpoint_url=provider.emulator.url + "/"),
    )
    cfg = TencentImageSearchHook().conn_config
    assert (cfg.timeouts.read, cfg.retry.max_attempts) == (2.5, 3)


def image_op(**kwargs):
    args = {"task_id": "img", "group_id": "g1", "entity_id": "e", "pic_name": "p"}
    args.update(kwargs)
    return ImageSearchCreateImageOperator(**args)


PNG = make_image(64, 64, "png", seed=5)
B64 = base64.b64encode(PNG).decode()


def test_unicode_digit_category_is_an_input_error_naming_it(provider, context):
    with pytest.raises(TencentCloudInputError, match="category_id") as err:
        image_op(image_base64=B64, category_id="²").execute(context)
    assert err.value.field == "category_id"
    assert "CreateImage" not in provider.emulator.counters()


def test_a_bucket_without_key_is_a_clear_error(provider, context):
    with pytest.raises(TencentCloudInputError, match="a bucket, not an object"):
        image_op(image_path=f"cos://{provider.bucket}").execute(context)
    with pytest.raises(TencentCloudInputError, match="a bucket, not an object"):
        VodCreateAigcElementOperator(
            task_id="el",
            element_name="n",
            element_description="d",
            element_frontal_image=f"cos://{provider.bucket}",
            element_refer_list=[f"cos://{provider.bucket}/"],
        ).execute(context)


def test_base64_with_line_breaks_is_sent_without_them(provider, context):
    wrapped = base64.encodebytes(PNG).decode()  # 76-column lines, as the base64 tool writes them
    assert "\n" in wrapped
    assert image_op(image_base64=wrapped).execute(context)["status"] == "created"
    assert len(provider.emulator.images("g1")) == 1


def test_python_repr_of_tags_rect_and_refer_list_is_read(provider, context, tmp_path):
    result = image_op(
        image_base64=B64, tags=repr({"colour": "blue"}), image_rect=repr({"x": 0, "y": 0, "width": 8, "height": 8})
    ).execute(context)
    assert result["status"] == "created"
    assert json.loads(provider.emulator.images("g1")[0]["Tags"]) == {"colour": "blue"}
    refs = [put_object(provider.bucket, f"r/{i}.png", make_image(400, 500, "png", seed=i)) for i in range(2)]
    element_id = VodCreateAigcElementOperator(
        task_id="el",
        element_name="n",
        element_description="d",
        element_frontal_image=refs[0],
        element_refer_list=repr(refs[1:]),
    ).execute(context)
    assert element_id
    with pytest.raises(TencentCloudInputError, match="tojson"):
        image_op(image_base64=B64, pic_name="p2", image_rect="{x: 0").execute(context)


# -- 14: secrets, also at DEBUG ---------------------------------------------------------------------------------
SENTINEL_ID = "AKIDSENTINEL00000000000000000000000"
SENTINEL_KEY = "SentinelSecretKey-DoNotLog-7a91c"
SENTINEL_TOKEN = "SentinelSessionToken-DoNotLog-3f08e"


def _mode_connection(provider, mode: str) -> dict:
    base = {k: v for k, v in provider.extra.items()}
    if mode == "static_token":
        provider.emulator.add_credential(SENTINEL_ID, SENTINEL_KEY, token=SENTINEL_TOKEN)
        return dict(provider.conn, login=SENTINEL_ID, password=SENTINEL_KEY, extra={**base, "token": SENTINEL_TOKEN})
    if mode == "role_arn":
        provider.emulator.add_credential(SENTINEL_ID, SENTINEL_KEY)
        return dict(provider.conn, login=SENTINEL_ID, password=SENTINEL_KEY, extra={**base, "role_arn": ROLE})
    assert mode == "cvm_role"
    conn = {k: v for k, v in provider.conn.items() if k not in ("login", "password")}
    return dict(
        conn,
        extra={
            **base,
            "credential_source": "cvm_role",
            "metadata_endpoint": f"{provider.emulator.url}/latest/meta-data/",
        },
    )


@pytest.mark.timeout(180)
@pytest.mark.parametrize("mode", ["static_token", "role_arn", "cvm_role"])
def test_no_secret_reaches_logs_errors_xcom_manifest_or_checkpoint_at_debug(
    provider, context, tmp_path, monkeypatch, caplog, mode
):
    use(monkeypatch, _mode_connection(provider, mode))
    items = []
    for s in range(3):
        frontal = put_object(provider.bucket, f"s{s}/front.png", make_image(400, 500, "png", seed=s))
        ref = put_object(provider.bucket, f"s{s}/side.png", make_image(500, 400, "png", seed=50 + s))
        items.append(
            {
                "element_name": f"subject-{s}",
                "element_description": "d",
                "element_frontal_image": frontal,
                "element_refer_list": [ref],
            }
        )
    # a gateway that echoes the session token and the Authorization header in its error text
    provider.emulator.inject("echo_secrets", action="CreateAigcCustomElement", times=1)
    provider.emulator.inject("echo_secrets", action="CreateImage", times=1)
    manifest = tmp_path / "manifest.jsonl"
    checkpoint = tmp_path / "v.jsonl"
    errors: list[str] = []
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("tencentcloud_sdk_common").setLevel(logging.DEBUG)
        try:
            VodCreateAigcElementBatchOperator(
                task_id="els", items=items, checkpoint_path=str(checkpoint), manifest_path=str(manifest), max_failures=5
            ).execute(context)
        except TencentCloudBatchError as exc:
            errors.append(f"{exc}")
        images = [{"key": f"k{i}", "entity_id": "e", "pic_name": f"p{i}", "image_base64": B64} for i in range(2)]
        images.append(
            {
                "key": "url",
                "entity_id": "e",
                "pic_name": "purl",
                "image_url": presign(items[0]["element_frontal_image"]),
            }
        )
        try:
            ImageSearchCreateImageBatchOperator(
                task_id="imgs",
                group_id="g1",
                items=images,
                checkpoint_path=str(tmp_path / "i.jsonl"),
                manifest_path=str(tmp_path / "i-manifest.jsonl"),
            ).execute(context)
        except TencentCloudBatchError as exc:
            errors.append(f"{exc}")
    sdk_lines = [r for r in caplog.records if r.name == "tencentcloud_sdk_common"]
    assert any("SendRequest" in r.getMessage() for r in sdk_lines)  # the SDK did log at DEBUG
    secrets = [SENTINEL_KEY, SENTINEL_TOKEN]
    with provider.emulator.keys._lock:
        temporary = list(provider.emulator.keys.temp.values())
    secrets += [t.secret_key for t in temporary] + [t.token for t in temporary]
    if mode != "static_token":
        assert len(secrets) > 2  # temporary keys were issued and are checked too
    texts = {
        "log": "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records),
        "errors": "\n".join(errors),
        "xcom": json.dumps(context["ti"].xcom, default=str),
        "manifest": manifest.read_text(),
        "image manifest": (tmp_path / "i-manifest.jsonl").read_text(),
        "checkpoint": checkpoint.read_text(),
        "image checkpoint": (tmp_path / "i.jsonl").read_text(),
    }
    assert "InternalError" in texts["manifest"] and "X-TC-Token: ***" in texts["manifest"]  # echoed, redacted
    assert find_leaks(texts, [s for s in secrets if s]) == []
    for name in ("CreateImage", "ElementFrontalImage"):  # presigned URLs in request bodies: query strings cut
        sent = [r.getMessage() for r in sdk_lines if "SendRequest" in r.getMessage() and name in r.getMessage()]
        assert sent and all("X-Amz-Signature" not in m and "X-Amz-Credential" not in m for m in sent)
    assert pathlib.Path(checkpoint).exists()


def test_a_request_that_cannot_be_built_is_known_not_sent(provider):
    """A local failure before the network layer (here: a value JSON cannot encode) is 'not sent', not ambiguous."""
    from airflow_provider_tencent.exceptions import TencentCloudAPIError

    with pytest.raises(TencentCloudAPIError) as err:
        TencentCloudHook().call("tiia", "2019-05-29", "DescribeGroups", {"Limit": object()})
    assert err.value.sent is False and err.value.code == "ClientError"
    assert "DescribeGroups" not in provider.emulator.counters()
    assert not err.value.ambiguous
