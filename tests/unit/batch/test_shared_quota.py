"""The shared quota limiter's pieces that need no Redis: the setting, the key, the missing client, the bounds.

The limiter against a real ``redis-server`` (its script, two tasks sharing one quota, an outage) is
``tests/integration/test_shared_quota_redis.py``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest

from airflow_provider_tencent.batch.rate_limit import RateLimiter
from airflow_provider_tencent.batch.shared_quota import (
    SharedQuota,
    account_key,
    shared_quota_from_setting,
    shared_quota_setting,
)
from airflow_provider_tencent.exceptions import TencentCloudConfigError, TencentCloudSharedQuotaTimeout
from airflow_provider_tencent.get_provider_info import get_provider_info

ENV = "AIRFLOW__TENCENTCLOUD__SHARED_QUOTA_REDIS_URL"
SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"


def test_the_setting_is_declared_off_by_default():
    option = get_provider_info()["config"]["tencentcloud"]["options"]["shared_quota_redis_url"]
    assert (option["type"], option["default"], option["version_added"]) == ("string", "", "0.1.0")
    assert option["example"] == "redis://127.0.0.1:6379/0"
    assert "airflow-provider-tencent[redis]" in option["description"]


def test_the_setting_is_read_from_airflow_configuration(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert shared_quota_setting() is None
    assert shared_quota_from_setting(SECRET_ID, "ap-guangzhou", "tiia", "CreateImage", 10.0) is None
    monkeypatch.setenv(ENV, " redis://127.0.0.1:6379/2 ")
    assert shared_quota_setting() == "redis://127.0.0.1:6379/2"
    monkeypatch.setenv(ENV, "  ")
    assert shared_quota_setting() is None


def test_the_key_names_the_account_by_a_hash_never_by_the_secret_id():
    key = account_key(SECRET_ID, "ap-guangzhou", "tiia", "CreateImage")
    assert SECRET_ID not in key and SECRET_ID[:8] not in key
    assert key.startswith("tencentcloud:quota:") and key.endswith(":ap-guangzhou:tiia:CreateImage")
    assert key == account_key(SECRET_ID, "ap-guangzhou", "tiia", "CreateImage")  # every worker agrees
    others = {
        account_key(SECRET_ID + "x", "ap-guangzhou", "tiia", "CreateImage"),
        account_key(SECRET_ID, "ap-shanghai", "tiia", "CreateImage"),
        account_key(SECRET_ID, "ap-guangzhou", "tiia", "SearchImage"),
    }
    assert key not in others and len(others) == 3


def test_a_set_url_without_the_redis_client_names_the_extra(monkeypatch):
    monkeypatch.setenv(ENV, "redis://127.0.0.1:1/0")
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis -> ImportError
    with pytest.raises(TencentCloudConfigError, match=r"pip install 'airflow-provider-tencent\[redis\]'"):
        shared_quota_from_setting(SECRET_ID, "ap-guangzhou", "tiia", "CreateImage", 10.0)


class Answers:
    """A Redis client whose registered script answers from a list (the last one repeats), or raises."""

    def __init__(self, answers: list[Any]) -> None:
        self.answers = answers
        self.calls: list[list[Any]] = []

    def register_script(self, _source: str) -> Any:
        def run(keys: list[str], args: list[Any]) -> int:
            self.calls.append([*keys, *args])
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            if isinstance(answer, BaseException):
                raise answer
            return int(answer)

        return run


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_request_waits_what_redis_says_then_goes():
    clock = Clock()
    client = Answers([250, 40, 0])
    quota = SharedQuota(client, "k", 10.0, clock=clock)
    quota.acquire(clock.sleep)
    assert clock.now == pytest.approx(0.29) and quota.waits == 2
    key, limit, window_us, _member = client.calls[0]
    assert (key, limit, window_us) == ("k", 10, 1_020_000)  # 10 in any 1.02 s


def test_a_full_quota_fails_the_request_after_max_wait_never_waits_forever():
    clock = Clock()
    quota = SharedQuota(Answers([900]), "k", 10.0, max_wait=5.0, clock=clock)
    with pytest.raises(TencentCloudSharedQuotaTimeout, match="within 5 s"):
        quota.acquire(clock.sleep)
    assert clock.now <= 5.0


def test_redis_failing_lets_requests_go_on_the_local_limiter_with_one_warning(caplog):
    clock = Clock()
    client = Answers([ConnectionError("refused"), 0])
    quota = SharedQuota(client, "k", 10.0, retry_after=30.0, clock=clock, log=logging.getLogger("t"))
    with caplog.at_level(logging.WARNING, logger="t"):
        for _ in range(5):
            quota.acquire(clock.sleep)  # none blocks
    assert quota.outages == 1 and len(client.calls) == 1  # not asked again during the outage
    assert "pacing on this task's own limiter alone" in caplog.text
    clock.now = 31.0
    quota.acquire(clock.sleep)
    assert len(client.calls) == 2  # asked again after retry_after


def test_the_rate_limiter_asks_the_shared_quota_after_its_own_guard():
    clock = Clock()
    client = Answers([0])
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep, shared=SharedQuota(client, "k", 10.0, clock=clock))
    for _ in range(3):
        limiter.acquire()
    assert len(client.calls) == 3
