"""utils/secrets.py: masking and redaction, in one module that imports nothing of the provider."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import airflow_provider_tencent.utils.secrets as secrets


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
