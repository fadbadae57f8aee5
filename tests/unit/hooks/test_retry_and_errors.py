"""hooks/retry.py (the retry policy of one call) and hooks/errors.py (sent or not, translation), unit by unit.

The end-to-end behaviour (real SDK, emulator, faults) is in test_hook.py and test_fault_matrix.py;
here each decision is checked alone, on real error objects.
"""

from __future__ import annotations

import pytest
import requests
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.exceptions import (
    TencentCloudAccountError,
    TencentCloudAPIError,
    TencentCloudBadRequestError,
)
from airflow_provider_tencent.hooks.errors import account_hint, check_answer, translate, was_sent
from airflow_provider_tencent.hooks.retry import THROTTLE_BUDGET, TOKEN_RENEWALS, RetryPolicy
from airflow_provider_tencent.utils.connection import RetrySettings

FAST = RetrySettings(max_attempts=3, backoff_base=0.0001, backoff_max=0.0001)


def error(kind: ErrorKind, *, sent: bool = True, code: str = "Some.Code") -> TencentCloudAPIError:
    return TencentCloudAPIError(code=code, message="", action="CreateImage", kind=kind, sent=sent)


class CountingLimiter:
    def __init__(self) -> None:
        self.throttled = 0

    def acquire(self) -> None:
        pass

    def on_throttled(self) -> None:
        self.throttled += 1


def test_throttling_is_always_repeated_and_counted_apart():
    limiter = CountingLimiter()
    policy = RetryPolicy("CreateImage", FAST, limiter=limiter)
    assert all(policy.should_retry(error(ErrorKind.THROTTLED)) for _ in range(4))
    assert policy.throttled == 4 and limiter.throttled == 4
    assert not policy.exhausted(attempts=4 + FAST.max_attempts - 1)
    assert policy.exhausted(attempts=4 + FAST.max_attempts)


def test_the_throttle_budget_ends_a_call():
    policy = RetryPolicy("CreateImage", FAST)
    policy.throttled = THROTTLE_BUDGET * FAST.max_attempts
    assert policy.exhausted(attempts=policy.throttled)


def test_a_request_never_sent_is_always_repeated():
    policy = RetryPolicy("CreateAigcCustomElement", FAST)
    assert policy.should_retry(error(ErrorKind.TRANSIENT, sent=False))
    assert policy.should_retry(error(ErrorKind.BAD_INPUT, sent=False))


@pytest.mark.parametrize("repeat", [True, False])
def test_a_transient_failure_after_sending_is_repeated_only_when_harmless(repeat):
    assert RetryPolicy("CreateImage", FAST, repeat_transient=repeat).should_retry(error(ErrorKind.TRANSIENT)) is repeat


@pytest.mark.parametrize("kind", [ErrorKind.BAD_INPUT, ErrorKind.ACCOUNT, ErrorKind.CONFLICT, ErrorKind.UNKNOWN])
def test_what_a_repeat_cannot_fix_is_not_repeated(kind):
    assert not RetryPolicy("DescribeImages", FAST, repeat_transient=True).should_retry(error(kind))
    assert not RetryPolicy("DescribeImages", FAST).should_retry(ValueError("a bug"))


def test_a_refused_token_is_renewed_a_few_times_when_the_keys_can_be():
    refused = error(ErrorKind.ACCOUNT, code="AuthFailure.TokenFailure")
    assert not RetryPolicy("CreateImage", FAST).should_retry(refused)
    policy = RetryPolicy("CreateImage", FAST, renewable_keys=True)
    assert [policy.should_retry(refused) for _ in range(TOKEN_RENEWALS + 1)] == [True] * TOKEN_RENEWALS + [False]


def test_without_a_limiter_a_throttled_pause_lets_the_second_pass():
    assert RetryPolicy("CreateImage", FAST).pause(error(ErrorKind.THROTTLED), 0.001) >= 0.5
    assert RetryPolicy("CreateImage", FAST, limiter=CountingLimiter()).pause(error(ErrorKind.THROTTLED), 0.001) == 0.001
    assert RetryPolicy("CreateImage", FAST).pause(error(ErrorKind.TRANSIENT, sent=False), 0.001) == 0.001


def test_run_repeats_until_success_and_raises_the_last_error_when_it_gives_up():
    outcomes = [error(ErrorKind.TRANSIENT, sent=False), error(ErrorKind.TRANSIENT, sent=False), {"ok": 1}]

    def attempt() -> dict[str, int]:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert RetryPolicy("CreateImage", FAST).run(attempt) == {"ok": 1}
    calls = []

    def failing() -> None:
        calls.append(1)
        raise error(ErrorKind.TRANSIENT, sent=False, code=f"Try{len(calls)}")

    with pytest.raises(TencentCloudAPIError) as err:
        RetryPolicy("CreateImage", FAST).run(failing)
    assert len(calls) == FAST.max_attempts and err.value.code == f"Try{FAST.max_attempts}"


def network_error(cause: BaseException) -> TencentCloudSDKException:
    """A ``ClientNetworkError`` as the SDK raises it: the real cause only in ``__context__``."""
    try:
        try:
            raise cause
        except BaseException:
            raise TencentCloudSDKException("ClientNetworkError", f"{cause}") from None
    except TencentCloudSDKException as exc:
        exc.__context__ = cause
        return exc


@pytest.mark.parametrize(
    ("cause", "sent"),
    [
        (requests.exceptions.ConnectTimeout("connect"), False),
        (requests.exceptions.SSLError("tls"), False),
        (requests.exceptions.ConnectionError(ConnectionRefusedError("refused")), False),
        (requests.exceptions.InvalidURL("bad"), False),
        (requests.exceptions.ReadTimeout("read"), True),
        (requests.exceptions.ConnectionError("reset by peer"), True),
    ],
)
def test_a_network_error_says_whether_it_left_this_machine(cause, sent):
    exc = network_error(cause)
    assert was_sent(exc) is sent
    translated = translate(exc, "tiia", "CreateImage")
    assert translated.sent is sent and translated.ambiguous is sent
    assert f"({'sent' if sent else 'not sent'})" in translated.message


def test_translation_classifies_by_the_contract_and_hints_account_errors():
    refused = translate(TencentCloudSDKException("InvalidParameterValue.X", "no", "r1"), "tiia", "CreateImage")
    assert isinstance(refused, TencentCloudBadRequestError) and refused.request_id == "r1"
    account = translate(TencentCloudSDKException("AuthFailure.SignatureFailure", "no", "r2"), "tiia", "CreateImage")
    assert isinstance(account, TencentCloudAccountError) and "SecretKey" in (account.hint or "")
    never = translate(TencentCloudSDKException("InternalError", "m", None), "tiia", "CreateImage", sent=False)
    assert never.sent is False and never.message.endswith("(not sent)")
    assert account_hint("SomethingElse") == "a person must fix the account or connection; retrying will not help"


def test_an_answer_is_a_success_only_without_error_and_with_what_the_action_promises():
    assert check_answer({"Response": {"RequestId": "r"}}, "tiia", "DescribeGroups") == {"RequestId": "r"}
    with pytest.raises(TencentCloudBadRequestError, match="InvalidParameter"):
        check_answer({"Response": {"Error": {"Code": "InvalidParameter", "Message": "m"}}}, "tiia", "CreateImage")
    with pytest.raises(TencentCloudAPIError, match="no Response object") as err:
        check_answer({"Nope": 1}, "tiia", "CreateImage")
    assert err.value.code == "IncompleteAnswer" and err.value.ambiguous
    with pytest.raises(TencentCloudAPIError, match="ElementId") as err:
        check_answer({"Response": {"RequestId": "r"}}, "vod", "CreateAigcCustomElement")
    assert err.value.request_id == "r"
