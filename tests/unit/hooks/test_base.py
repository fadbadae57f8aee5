"""hooks/base.py: ``TencentCloudHook.call`` - keys renewed at any attempt, the rate slot taken after the
refresh, and a request that cannot be built known as not sent."""

from __future__ import annotations

import pytest
from conftest import ROLE_ARN, use_connection, with_extra

from airflow_provider_tencent.exceptions import TencentCloudAPIError
from airflow_provider_tencent.hooks.base import TencentCloudHook
from airflow_provider_tencent.hooks.image_search import ImageSearchHook


def test_token_failure_after_a_throttle_is_renewed_and_retried(provider, monkeypatch):
    use_connection(monkeypatch, with_extra(provider, role_arn=ROLE_ARN))
    provider.emulator.inject("throttle", action="DescribeGroups", times=1)
    provider.emulator.inject("token_failure", action="DescribeGroups", times=1)
    groups = ImageSearchHook().describe_groups()
    assert [g["GroupId"] for g in groups] == ["g1"]
    counters = provider.emulator.counters()
    assert counters["DescribeGroups"] == {"RequestLimitExceeded": 1, "fault:token_failure": 1, "ok": 1}
    assert counters["AssumeRole"]["ok"] == 2  # new keys after the TokenFailure


def test_token_failures_are_bounded(provider, monkeypatch):
    use_connection(monkeypatch, with_extra(provider, role_arn=ROLE_ARN))
    provider.emulator.inject("token_failure", action="DescribeGroups")
    with pytest.raises(Exception, match="TokenFailure"):
        ImageSearchHook().describe_groups()
    assert provider.emulator.counters()["DescribeGroups"]["fault:token_failure"] == 3  # 1 + 2 renewals


def test_the_rate_slot_is_taken_after_the_credential_refresh(provider, monkeypatch):
    """A slow key refresh must not hold a slot: slots are taken only when the request can leave."""
    use_connection(monkeypatch, with_extra(provider, role_arn=ROLE_ARN))
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


def test_a_request_that_cannot_be_built_is_known_not_sent(provider):
    """A local failure before the network layer (here: a value JSON cannot encode) is 'not sent', not ambiguous."""
    with pytest.raises(TencentCloudAPIError) as err:
        TencentCloudHook().call("tiia", "2019-05-29", "DescribeGroups", {"Limit": object()})
    assert err.value.sent is False and err.value.code == "ClientError"
    assert "DescribeGroups" not in provider.emulator.counters()
    assert not err.value.ambiguous
