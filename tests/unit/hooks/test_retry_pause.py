"""A paced batch repeats a transient server failure in its next slot, not after a backoff (issue 19)."""

from __future__ import annotations

from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.exceptions import TencentCloudAPIError
from airflow_provider_tencent.hooks.retry import RetryPolicy
from airflow_provider_tencent.utils.connection import RetrySettings

SETTINGS = RetrySettings(max_attempts=3, backoff_base=0.2, backoff_max=5.0)


class Limiter:
    def acquire(self) -> None:
        pass

    def on_throttled(self) -> None:
        pass


def error(kind: ErrorKind, *, sent: bool = True) -> TencentCloudAPIError:
    return TencentCloudAPIError(code="InternalError", message="", action="CreateImage", kind=kind, sent=sent)


def test_a_transient_failure_with_a_pacing_limiter_is_repeated_in_its_next_slot():
    paced = RetryPolicy("CreateImage", SETTINGS, repeat_transient=True, limiter=Limiter())
    assert paced.pause(error(ErrorKind.TRANSIENT), 0.3) == 0.0


def test_other_repeats_keep_their_backoff():
    paced = RetryPolicy("CreateImage", SETTINGS, repeat_transient=True, limiter=Limiter())
    unpaced = RetryPolicy("CreateImage", SETTINGS, repeat_transient=True)
    assert unpaced.pause(error(ErrorKind.TRANSIENT), 0.3) == 0.3  # nothing spaces the repeat but the backoff
    assert paced.pause(error(ErrorKind.TRANSIENT, sent=False), 0.3) == 0.3  # the network: give it time
    assert paced.pause(error(ErrorKind.THROTTLED), 0.3) == 0.3
