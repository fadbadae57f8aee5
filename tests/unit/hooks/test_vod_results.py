"""hooks/vod_results.py: a ``DescribeTaskDetail`` answer read as a ``TaskOutcome``."""

from __future__ import annotations

import pytest

from airflow_provider_tencent.hooks.vod_results import task_outcome


def test_a_null_task_member_while_waiting_reads_as_waiting():
    outcome = task_outcome("t", {"TaskType": "AigcVideoTask", "Status": "WAITING", "AigcVideoTask": None})
    assert (outcome.status, outcome.progress, outcome.done) == ("WAITING", 0, False)


def test_a_finished_task_with_an_error_code_is_failed():
    detail = {
        "TaskType": "AigcImageTask",
        "Status": "FINISH",
        "AigcImageTask": {"ErrCode": 10, "ErrCodeExt": "ModelGenerateFailed", "Message": "no", "Progress": 100},
    }
    outcome = task_outcome("t", detail)
    assert outcome.done and outcome.failed and not outcome.succeeded
    assert (outcome.err_code_ext, outcome.message) == ("ModelGenerateFailed", "no")


@pytest.mark.parametrize(
    "detail",
    [
        {"TaskType": "Procedure", "Status": "FINISH", "Procedure": {}},
        {"TaskType": "AigcVideoTask", "AigcVideoTask": {}},
        {"TaskType": "AigcVideoTask", "Status": "FINISH", "AigcVideoTask": None},
    ],
)
def test_an_answer_without_an_aigc_task_is_an_error(detail):
    with pytest.raises(ValueError, match="carries no AIGC task"):
        task_outcome("t", detail)


def test_the_outcome_keeps_the_echoed_input_and_the_request_id():
    detail = {
        "TaskType": "AigcImageTask",
        "Status": "PROCESSING",
        "RequestId": "r-1",
        "AigcImageTask": {"Progress": 40, "Input": {"Prompt": "a cat"}},
    }
    outcome = task_outcome("t", detail)
    assert (outcome.echoed_input, outcome.request_id, outcome.progress) == ({"Prompt": "a cat"}, "r-1", 40)
