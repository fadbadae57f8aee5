"""The vocabulary of error decisions: :class:`ErrorKind` (what a code means for the caller) and :class:`ErrorSpec`.

The lowest module of the contracts: the common table (:mod:`.common`), the action model
(:mod:`.model`) and every service table build on it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ErrorKind(str, enum.Enum):
    """What an error code means for the caller: the four decisions an error table makes.

    * fail fast as bad input: ``BAD_INPUT`` (and ``CONFLICT``, which ``if_exists`` decides);
    * fail fast needing a person: ``ACCOUNT``, with a hint (activate the service, top up, raise a quota...);
    * retry: ``THROTTLED`` always, ``TRANSIENT`` where a repeat cannot duplicate (read-only actions);
    * confirm-then-decide: ``TRANSIENT`` on a creating action. CreateImage confirms with
      ``DescribeImages`` before repeating; CreateAigcCustomElement cannot confirm, so it fails saying
      a subject may have been created.

    ``UNKNOWN`` is no decision: a code no table lists. It is never retried, and on VOD it says
    "may have been created" unless its family is answered before anything is created
    (see :func:`airflow_provider_tencent.contracts.common.classify_common`).
    """

    BAD_INPUT = "bad_input"
    """The request itself is wrong: retrying the same request cannot help."""
    CONFLICT = "conflict"
    """The resource already exists (e.g. a PicName): the caller decides (if_exists / confirmation)."""
    THROTTLED = "throttled"
    """Rejected by rate limiting before any work was done: always safe to retry after a pause."""
    TRANSIENT = "transient"
    """A server-side failure that may pass: retry where a repeat cannot create a duplicate."""
    ACCOUNT = "account"
    """Credentials, permissions, billing or service activation: a person must act."""
    UNKNOWN = "unknown"
    """A code this contract does not list: treated as not retryable."""

    @property
    def retryable(self) -> bool:
        """True for the kinds a repeat cannot make worse: ``THROTTLED`` and ``TRANSIENT``.

        The one place this is decided: :attr:`ErrorSpec.retryable` and
        :attr:`~airflow_provider_tencent.exceptions.TencentCloudAPIError.retryable` read it.
        Whether a caller repeats a *creating* action on ``TRANSIENT`` is its own decision (see above).
        """
        return self in (ErrorKind.THROTTLED, ErrorKind.TRANSIENT)


@dataclass(frozen=True)
class ErrorSpec:
    """One documented error code."""

    code: str
    kind: ErrorKind
    description: str
    hint: str = ""
    """For ``ACCOUNT`` codes: what a person must do (shown in the error)."""

    @property
    def retryable(self) -> bool:
        """Whether a repeat is safe from the server's point of view (see :attr:`ErrorKind.retryable`)."""
        return self.kind.retryable
