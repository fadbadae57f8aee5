"""VOD calls: ``CreateAigcCustomElement``.

The API has no idempotency key and no way to list subjects, so a repeat after an ambiguous
failure (sent, no definite answer; or a server error after sending) may create a second subject.
Only provably safe failures are retried: throttling and requests that never left this machine.
Anything else that may have been processed raises
:class:`~airflow_provider_tencent.exceptions.TencentCloudAmbiguousError` (fail-fast) unless the
caller opts in with ``retry_ambiguous=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.exceptions import TencentCloudAmbiguousError, TencentCloudAPIError
from airflow_provider_tencent.hooks.base import Limiter, TencentCloudHook


def may_have_created(exc: TencentCloudAPIError) -> bool:
    """True when a failed create may nevertheless have created the subject."""
    return exc.sent and exc.kind in (ErrorKind.TRANSIENT, ErrorKind.UNKNOWN)


class TencentVodHook(TencentCloudHook):
    """Calls to Tencent Cloud VOD (``vod``, 2018-07-17)."""

    def create_aigc_custom_element(
        self,
        params: dict[str, Any],
        *,
        retry_ambiguous: bool = False,
        limiter: Limiter | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Create one AIGC subject; returns the ``Response`` (``ElementId``, ``RequestId``).

        An answer without ``ElementId`` (a gateway's 200 with nothing in it) is never a success: the
        subject may exist, so it raises :class:`TencentCloudAmbiguousError` like any other answer that
        came back without a definite result.

        :raises TencentCloudAmbiguousError: a subject may have been created (RequestId given when known).
        """
        try:
            return self.call(
                contract.SERVICE,
                contract.VERSION,
                contract.CREATE_AIGC_CUSTOM_ELEMENT.action,
                params,
                retry_transient=retry_ambiguous,
                limiter=limiter,
                before_send=before_send,
            )
        except TencentCloudAmbiguousError:
            raise
        except TencentCloudAPIError as exc:
            if retry_ambiguous or not may_have_created(exc):
                raise
            raise TencentCloudAmbiguousError(
                code=exc.code,
                message=f"{exc.message}; a subject may have been created although no ElementId came back",
                action=exc.action,
                kind=exc.kind,
                request_id=exc.request_id,
                sent=True,
                hint=(
                    "not retried, to avoid a duplicate subject: check the VOD console "
                    f"(RequestId {exc.request_id or 'unknown'}), or set retry_ambiguous=True to allow repeats"
                ),
            ) from None
