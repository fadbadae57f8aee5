"""Regions and defaults: a new region is accepted with a warning, a missing connection is an error unless the
key-less chain was asked for, and the effective region and credential source are logged once at INFO."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from airflow_provider_tencent.contracts.common import REGIONS
from airflow_provider_tencent.exceptions import TencentCloudConfigError
from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.utils.connection import TencentConnection

SECRET_KEY = "UnitTestSecretKey-9f2c41d7e8"


def conn(region: str | None = None, **extra: object) -> SimpleNamespace:
    extra = {**extra, **({"region": region} if region else {})}
    return SimpleNamespace(conn_id="tc", login="AKIDUNIT", password=SECRET_KEY, host=None, extra=json.dumps(extra))


def region_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "region" in r.getMessage()]


def test_the_built_in_list_has_19_regions_and_each_is_accepted_silently(caplog):
    assert len(REGIONS) == 19
    with caplog.at_level(logging.WARNING):
        assert [TencentConnection.from_connection(conn(r)).region for r in REGIONS] == list(REGIONS)  # type: ignore[arg-type]
    assert region_warnings(caplog) == []


@pytest.mark.parametrize("region", ["me-riyadh", "ap-osaka", "eu-paris-2", "ap-beijing-fsi"])
def test_a_region_outside_the_list_is_accepted_with_a_warning(caplog, region):
    with caplog.at_level(logging.WARNING):
        assert TencentConnection.from_connection(conn(region)).region == region  # type: ignore[arg-type]
    (warning,) = region_warnings(caplog)
    assert f"'{region}'" in warning and "Connection 'tc'" in warning
    assert f"one of the {len(REGIONS)} regions" in warning


@pytest.mark.parametrize("region", ["ap guangzhou", "AP-Guangzhou", "guangzhou", "ap-", "ap_guangzhou", "ap-gz-"])
def test_a_value_not_shaped_like_a_region_is_refused_naming_the_field(region):
    with pytest.raises(TencentCloudConfigError) as err:
        TencentConnection.from_connection(conn(region))  # type: ignore[arg-type]
    assert f"Connection 'tc': extra 'region' {region!r} is not a region name" in str(err.value)
    with pytest.raises(TencentCloudConfigError, match=r"region argument .* is not a region name"):
        TencentConnection.from_connection(conn("ap-guangzhou"), region=region)  # type: ignore[arg-type]
    with pytest.raises(TencentCloudConfigError, match=r"^region argument .* is not a region name"):
        TencentConnection.from_connection(None, region=region)


def test_a_missing_connection_is_an_error_naming_it(monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_NO_SUCH_TENCENT", raising=False)
    hook = TencentCloudHook(tencentcloud_conn_id="no_such_tencent")
    with pytest.raises(TencentCloudConfigError) as err:
        _ = hook.region
    assert "Connection 'no_such_tencent' does not exist" in str(err.value)
    assert "tencentcloud_conn_id=None" in str(err.value)  # how to ask for the key-less chain instead


def test_no_connection_asked_for_is_the_key_less_chain_in_the_default_region():
    cfg = TencentCloudHook(tencentcloud_conn_id=None, region="ap-singapore").conn_config
    assert (cfg.conn_id, cfg.credential_source, cfg.region, cfg.secret_id) == (
        None,
        "default_chain",
        "ap-singapore",
        None,
    )
    assert TencentCloudHook(tencentcloud_conn_id=None).region == "ap-guangzhou"


def config_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("Tencent Cloud: connection")]


def logged_hook(conn_id: str) -> TencentCloudHook:
    """A hook whose ``self.log`` is a standard logger (Airflow's is structlog, which ``caplog`` does not see)."""
    hook = TencentCloudHook(tencentcloud_conn_id=conn_id)
    hook._log = logging.getLogger(f"tests.tencentcloud.{conn_id}")
    return hook


def test_region_and_credential_source_are_logged_once_per_hook_without_the_keys(monkeypatch, caplog):
    spec = {"conn_type": "tencentcloud", "login": "AKIDUNIT", "password": SECRET_KEY, "extra": {"region": "ap-tokyo"}}
    monkeypatch.setenv("AIRFLOW_CONN_TC_LOGGED", json.dumps(spec))
    with caplog.at_level(logging.INFO):
        hook = logged_hook("tc_logged")
        for _ in range(3):
            assert hook.region == "ap-tokyo" and hook.conn_config.secret_key == SECRET_KEY
        (line,) = config_lines(caplog)
        assert logged_hook("tc_logged").conn_config.region == "ap-tokyo"
    assert line.levelno == logging.INFO
    assert (
        line.getMessage()
        == "Tencent Cloud: connection 'tc_logged', region ap-tokyo, credentials from the connection's keys"
    )
    assert len(config_lines(caplog)) == 2  # once for each hook
    assert SECRET_KEY not in caplog.text and "AKIDUNIT" not in caplog.text


@pytest.mark.parametrize(
    ("extra", "source"),
    [
        ({"token": "UnitToken-4411"}, "the connection's temporary keys and session token"),
        ({"role_arn": "qcs::cam::uin/1:roleName/r"}, "the connection's keys, then the role qcs::cam::uin/1:roleName/r"),
    ],
)
def test_the_logged_credential_source_says_how_the_keys_are_used(extra, source):
    assert TencentConnection.from_connection(conn(**extra)).credential_description == source  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("credential_source", "source"),
    [
        (None, "the key-less default chain (env, profile, cvm_role, tke_oidc)"),
        ("cvm_role", "the key-less source cvm_role"),
    ],
)
def test_the_logged_credential_source_names_the_key_less_one(credential_source, source):
    spec = SimpleNamespace(conn_id="tc", login=None, password=None, host=None, extra=json.dumps({}))
    if credential_source:
        spec.extra = json.dumps({"credential_source": credential_source})
    assert TencentConnection.from_connection(spec).credential_description == source  # type: ignore[arg-type]
