"""The retry policy of one call, as an object: when an attempt is repeated, how long to wait, when to stop.

Tenacity is the engine (exponential backoff with full jitter); :class:`RetryPolicy` holds the
decisions and the counts of one call, so that they read in one place:

* throttling (``RequestLimitExceeded``) is always repeated: nothing was done. Those answers count
  apart from ``max_attempts``, up to :data:`THROTTLE_BUDGET` times it, since a batch meets them in
  bulk; without a pacing limiter, the pause lasts at least half a second (quotas count per second);
* a request that provably never left this machine is always repeated;
* an expired or revoked session token (``AuthFailure.TokenFailure``) is repeated with renewed keys,
  :data:`TOKEN_RENEWALS` times, when the keys can be renewed;
* any other retryable failure (transient, per the contract) only when a repeat is harmless:
  ``repeat_transient`` - a read-only action, or a caller that deduplicates.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import tenacity

from airflow_provider_tencent.contracts import ErrorKind
from airflow_provider_tencent.exceptions import TencentCloudAPIError
from airflow_provider_tencent.hooks.errors import TOKEN_FAILURE
from airflow_provider_tencent.utils.connection import RetrySettings

#: ``RequestLimitExceeded`` answers allowed per call, as a multiple of ``max_attempts``: they count apart.
THROTTLE_BUDGET = 3
#: ``AuthFailure.TokenFailure`` answers renewed and retried per call (keys revoked or expired early).
TOKEN_RENEWALS = 2

T = TypeVar("T")


class Limiter(Protocol):
    """What a call needs from a rate limiter (see ``batch.rate_limit``)."""

    def acquire(self) -> None: ...

    def on_throttled(self) -> None: ...


@dataclass
class RetryPolicy:
    """The retries of ONE call (it counts throttled answers and renewals: make a new one per call).

    :param action: named in the log lines of repeated attempts.
    :param settings: the connection's ``max_attempts`` and backoff.
    :param repeat_transient: repeat retryable server failures (read-only action, or deduplicated).
    :param renewable_keys: the client's keys can be renewed (an assumed role, a CVM role...).
    :param limiter: told about throttling (it slows down); its absence lengthens throttle pauses.
    :param log: where repeats are logged (the hook's logger); this module's when ``None``.
    """

    action: str
    settings: RetrySettings
    repeat_transient: bool = False
    renewable_keys: bool = False
    limiter: Limiter | None = None
    log: Any = None
    """Where repeats are logged (the hook's logger); this module's when ``None``."""
    throttled: int = 0
    """Throttled answers so far."""
    renewals: int = 0
    """Token renewals so far."""

    def should_retry(self, error: BaseException | None) -> bool:
        """Whether the attempt that raised ``error`` is repeated (counting throttles and renewals)."""
        if not isinstance(error, TencentCloudAPIError):
            return False
        if error.kind is ErrorKind.THROTTLED:
            self.throttled += 1
            if self.limiter is not None:
                self.limiter.on_throttled()
            return True
        if not error.sent:
            return True
        if error.code == TOKEN_FAILURE and self.renewable_keys:
            # keys were revoked or expired early (at any attempt): new ones are fetched, a few times
            self.renewals += 1
            return self.renewals <= TOKEN_RENEWALS
        return error.retryable and self.repeat_transient

    def exhausted(self, attempts: int) -> bool:
        """Whether to stop after ``attempts`` attempts: throttles have their own budget."""
        others = attempts - self.throttled
        budget = self.settings.max_attempts
        return others >= budget or self.throttled >= THROTTLE_BUDGET * budget

    def pause(self, error: BaseException | None, backoff: float) -> float:
        """Seconds to wait before the next attempt, ``backoff`` being tenacity's jittered exponential.

        A transient server failure of a request that reached the service is repeated at once when a
        pacing limiter takes the repeat's slot: the service gets no more requests a second either way
        (the batch's other items fill the slots), and a backoff would only leave the batch's last
        seconds idle waiting for the repeats of its last items.
        """
        if not isinstance(error, TencentCloudAPIError):
            return backoff
        if error.kind is ErrorKind.THROTTLED and self.limiter is None:
            # quotas are counted per second: without a pacing limiter, let the window pass
            return max(backoff, random.uniform(0.5, 1.0))
        if error.kind is ErrorKind.TRANSIENT and error.sent and self.limiter is not None:
            return 0.0
        return backoff

    def run(self, attempt: Callable[[], T]) -> T:
        """``attempt()`` until it succeeds or the policy gives up (then its last error is raised)."""
        backoff = tenacity.wait_random_exponential(multiplier=self.settings.backoff_base, max=self.settings.backoff_max)
        retrying = tenacity.Retrying(
            retry=lambda state: self.should_retry(_error(state)),
            stop=lambda state: self.exhausted(state.attempt_number),
            wait=lambda state: self.pause(_error(state), backoff(state)),
            before_sleep=self._log_retry,
            reraise=True,
        )
        return retrying(attempt)

    def _log_retry(self, state: tenacity.RetryCallState) -> None:
        """Log a repeat: at DEBUG for a throttled answer a limiter absorbs (it counts it, and a batch's
        progress line shows the count), at WARNING for any other; an item whose retries run out is
        logged by its caller."""
        error = _error(state)
        absorbed = self.limiter is not None and getattr(error, "kind", None) is ErrorKind.THROTTLED
        log = self.log or logging.getLogger(__name__)
        (log.debug if absorbed else log.warning)(
            "%s attempt %d failed (%s); retrying in %.2fs",
            self.action,
            state.attempt_number,
            getattr(error, "code", type(error).__name__),
            state.next_action.sleep if state.next_action else 0.0,
        )


def _error(state: tenacity.RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome else None
