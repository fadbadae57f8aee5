"""The errors a batch task fails with: what stopped it, and exactly which items a retry sends again.

Every text is redacted (:func:`~airflow_provider_tencent.utils.secrets.redact_text`): a server message that
echoes a presigned URL never carries its signature into the task's error.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_tencent.batch.runner import BatchReport
from airflow_provider_tencent.exceptions import TencentCloudBatchAborted
from airflow_provider_tencent.utils.secrets import redact_text

__all__ = ["aborted_error", "failure_message"]

#: Items named in a failure message, per group; the rest are counted.
NAMED = 50


def aborted_error(
    action: str, cause: BaseException, summary: dict[str, Any], failures: dict[str, str], listed: int, location: str
) -> TencentCloudBatchAborted:
    """The error of a batch of ``action`` that stopped early: why, what was done before, where it is kept."""
    counts = ", ".join(f"{k} {summary[k]}" for k in ("created", "exists", "skipped", "done", "failed", "not_started"))
    return TencentCloudBatchAborted(
        redact_text(
            f"{action} batch stopped: {type(cause).__name__}: {cause}. Before it stopped: {counts} (of {listed} "
            f"listed so far). What is done is in the checkpoint {location}: a retry does not send it again."
        ),
        failures,
        summary,
    )


def failure_message(report: BatchReport, max_failures: int) -> str:
    """Which items failed, and exactly which of them a retry sends again (the others may have been processed)."""
    failed = report.failures
    resend = [r for r in failed if r.status == "failed"]
    unsure = [r for r in failed if r.status == "ambiguous"]
    parts = [f"{len(failed)} of {len(report.results)} items failed (max_failures={max_failures})"]
    if resend:
        parts.append(f"a retry sends only these {len(resend)}: {_listed(resend)}")
    if unsure:
        parts.append(
            f"{len(unsure)} may have been processed and are NOT sent again by a retry "
            f"(check them; retry_ambiguous=True re-sends them): {_listed(unsure)}"
        )
    return redact_text("; ".join(parts))


def _listed(results: list[Any]) -> str:
    """``key: code: message`` of the first :data:`NAMED` results, and how many more there are."""
    text = "; ".join(f"{r.key}: {r.code}: {r.message}" for r in results[:NAMED])
    return text + (f" (and {len(results) - NAMED} more)" if len(results) > NAMED else "")
