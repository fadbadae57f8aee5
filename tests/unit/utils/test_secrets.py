"""utils/secrets.py: masking and redaction, in one module that imports nothing of the provider."""

from __future__ import annotations

import ast
import base64
import json
import logging
import pathlib
from pathlib import Path

import pytest
from conftest import ROLE_ARN, upload_subjects, use_connection

import airflow_provider_tencent.utils.secrets as secrets
from airflow_provider_tencent.exceptions import TencentCloudBatchError
from airflow_provider_tencent.fs.storage import presign
from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageBatchOperator
from airflow_provider_tencent.operators.vod import VodCreateAigcElementBatchOperator
from airflow_provider_tencent.testing.images import make_image
from dev.dag_runner import find_leaks

B64 = base64.b64encode(make_image(64, 64, "png", seed=5)).decode()


def test_secrets_is_pure():
    tree = ast.parse(Path(secrets.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not {name for name in imported if name and name.startswith("airflow_provider_tencent")}


def test_a_registered_secret_never_shows_again():
    secrets.register_secret("k3y-only-in-this-test", None, "short")
    assert secrets.redact_text("the key k3y-only-in-this-test leaked") == "the key *** leaked"
    assert secrets.redact_text("short stays") == "short stays"  # shorter than MIN_SECRET_LENGTH: not a secret


def test_urls_lose_user_info_query_and_fragment():
    url = "https://user:pw@bucket.cos.ap-guangzhou.myqcloud.com/a/b.png?X-Amz-Signature=abc&X-Amz-Security-Token=t#f"
    assert secrets.redact_url(url) == "https://bucket.cos.ap-guangzhou.myqcloud.com/a/b.png"
    assert secrets.redact_urls(f"see {url}.") == "see https://bucket.cos.ap-guangzhou.myqcloud.com/a/b.png."


def test_credential_fields_and_headers_are_redacted():
    text = '{"TmpSecretKey": "abcdef123456", "Token": "tok-123456"} Authorization: TC3-HMAC-SHA256 Credential=x'
    out = secrets.redact_text(text)
    assert "abcdef123456" not in out and "tok-123456" not in out and "Credential=x" not in out


def test_log_filters_redact_what_the_sdk_logs(caplog):
    secrets.install_log_filters()
    logger = logging.getLogger(secrets.SDK_LOGGER)
    with caplog.at_level(logging.DEBUG, logger=secrets.SDK_LOGGER):
        logger.debug("GET %s", "https://h.example/x.png?q-signature=zzz")
    assert caplog.records and caplog.records[-1].getMessage() == "GET https://h.example/x.png"


# -- no secret anywhere, also at DEBUG, with each credential mode ----------------------------------------------
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
        return dict(provider.conn, login=SENTINEL_ID, password=SENTINEL_KEY, extra={**base, "role_arn": ROLE_ARN})
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
    use_connection(monkeypatch, _mode_connection(provider, mode))
    items = upload_subjects(provider.bucket, 3)
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
    }
    # the image batch ended with nothing to retry: its checkpoint is gone (the subjects' one, kept, is read above)
    assert not (tmp_path / "i.jsonl").exists()
    assert "InternalError" in texts["manifest"] and "X-TC-Token: ***" in texts["manifest"]  # echoed, redacted
    assert find_leaks(texts, [s for s in secrets if s]) == []
    for name in ("CreateImage", "ElementFrontalImage"):  # presigned URLs in request bodies: query strings cut
        sent = [r.getMessage() for r in sdk_lines if "SendRequest" in r.getMessage() and name in r.getMessage()]
        assert sent and all("X-Amz-Signature" not in m and "X-Amz-Credential" not in m for m in sent)
    assert pathlib.Path(checkpoint).exists()
