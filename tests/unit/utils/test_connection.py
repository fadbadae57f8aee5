"""utils/connection.py: connection extras that fail loud, naming the field, before any call."""

from __future__ import annotations

import pytest
from conftest import use_connection, with_extra

from airflow_provider_tencent.exceptions import TencentCloudConfigError
from airflow_provider_tencent.hooks.image_search import ImageSearchHook


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
    use_connection(monkeypatch, with_extra(provider, **extra))
    with pytest.raises(TencentCloudConfigError, match=match) as err:
        ImageSearchHook().describe_groups()
    assert "tencentcloud_default" in str(err.value)
    assert "DescribeGroups" not in provider.emulator.counters()


def test_invalid_json_extra_is_refused_not_ignored(provider, monkeypatch):
    conn = dict(provider.conn, extra='{"endpoint_url": "' + provider.emulator.url + '", ')
    use_connection(monkeypatch, conn)
    with pytest.raises(TencentCloudConfigError, match="'tencentcloud_default': extra is not valid JSON"):
        ImageSearchHook().describe_groups()


def test_good_numeric_texts_still_work(provider, monkeypatch):
    use_connection(
        monkeypatch,
        with_extra(provider, read_timeout="2.5", max_attempts="3", endpoint_url=provider.emulator.url + "/"),
    )
    cfg = ImageSearchHook().conn_config
    assert (cfg.timeouts.read, cfg.retry.max_attempts) == (2.5, 3)
