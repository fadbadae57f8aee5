"""The exception types: one bad-input type, one notion of "may have happened", retryability from the contract."""

from __future__ import annotations

import pickle

import pytest

from airflow_provider_tencent.batch.runner import failure
from airflow_provider_tencent.compat import AirflowFailException
from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.exceptions import (
    TencentCloudAmbiguousError,
    TencentCloudAPIError,
    TencentCloudBadRequestError,
    TencentCloudInputError,
    api_error_class,
)


def api_error(kind: ErrorKind, *, sent: bool = True, cls: type[TencentCloudAPIError] = TencentCloudAPIError):
    return cls(code="Some.Code", message="m", action="CreateImage", kind=kind, request_id="rid", sent=sent)


def test_every_bad_input_is_one_type():
    refused = api_error(ErrorKind.BAD_INPUT, cls=api_error_class(ErrorKind.BAD_INPUT))
    assert isinstance(refused, TencentCloudBadRequestError)
    assert isinstance(refused, TencentCloudInputError) and isinstance(refused, AirflowFailException)
    assert refused.code == "Some.Code" and refused.request_id == "rid" and refused.field is None
    assert f"{refused}" == "CreateImage failed: Some.Code: m (RequestId rid)"
    again = pickle.loads(pickle.dumps(refused))
    assert type(again) is TencentCloudBadRequestError and f"{again}" == f"{refused}" and again.code == "Some.Code"


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_retryable_is_the_contracts_decision(kind):
    assert api_error(kind).retryable is kind.retryable


@pytest.mark.parametrize(
    ("kind", "sent", "ambiguous"),
    [
        (ErrorKind.TRANSIENT, True, True),
        (ErrorKind.UNKNOWN, True, True),
        (ErrorKind.TRANSIENT, False, False),
        (ErrorKind.THROTTLED, True, False),
        (ErrorKind.BAD_INPUT, True, False),
        (ErrorKind.ACCOUNT, True, False),
        (ErrorKind.CONFLICT, True, False),
    ],
)
def test_may_have_happened_is_one_property(kind, sent, ambiguous):
    assert api_error(kind, sent=sent).ambiguous is ambiguous


def test_an_ambiguous_error_not_repeated_keeps_what_the_first_said():
    first = api_error(ErrorKind.TRANSIENT)
    raised = TencentCloudAmbiguousError.from_error(first, "a subject may have been created", "check the console")
    assert raised.ambiguous and raised.code == first.code and raised.request_id == "rid"
    assert (
        f"{raised}"
        == "CreateImage failed: Some.Code: m; a subject may have been created (RequestId rid) - check the console"
    )


def test_a_batch_recognises_an_ambiguous_failure_by_its_type_not_its_name():
    impostor_type = type("TencentCloudAmbiguousError", (TencentCloudAPIError,), {})  # same name, another type
    assert failure("k", api_error(ErrorKind.TRANSIENT, cls=impostor_type)).status == "failed"
    assert failure("k", api_error(ErrorKind.TRANSIENT, cls=TencentCloudAmbiguousError)).status == "ambiguous"
    subclass = type("NotRepeated", (TencentCloudAmbiguousError,), {})  # another name, the type: ambiguous
    assert failure("k", api_error(ErrorKind.TRANSIENT, cls=subclass)).status == "ambiguous"
