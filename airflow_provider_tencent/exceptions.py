"""The provider's exceptions: one type for every failed call, sub-typed by what the caller should do.

* :class:`TencentCloudAPIError` carries Code, Message, RequestId, the action, the error's kind
  (from the action's contract) and whether the request was sent. Transient failures raise it;
  Airflow's own task retries apply. Two questions are answered by its properties, each in one place:
  :attr:`~TencentCloudAPIError.retryable` (is a repeat safe? - the contract's
  :attr:`ErrorKind.retryable <airflow_provider_tencent.contracts.ErrorKind.retryable>`) and
  :attr:`~TencentCloudAPIError.ambiguous` (may the action have happened although no answer says so?).
* :class:`TencentCloudInputError` is the one bad-input type: input refused before any call
  (``field``/``limit``/``actual`` set) and, as its subclass :class:`TencentCloudBadRequestError`,
  input the API refused (with Code and RequestId). Catch it to catch every bad input.
* :class:`TencentCloudInputError`, :class:`TencentCloudAccountError` and
  :class:`TencentCloudConfigError` also derive from :class:`~airflow.sdk.exceptions.AirflowFailException`:
  the task fails at once, without burning its retries on something only a person can fix.
* :class:`TencentCloudAmbiguousError`: an :attr:`~TencentCloudAPIError.ambiguous` failure the
  provider decided not to repeat (a repeat may create a duplicate). Also fail-fast.
* The end of a VOD AIGC task: :class:`VodAigcTaskFailedError` (a new task may succeed: Airflow's retries
  apply), :class:`VodAigcTaskFailedForGoodError` (it would fail the same way: fail-fast),
  :class:`VodAigcWaitTimeoutError` (the wait ran out; the task was left running) and
  :class:`VodAigcRequestMismatchError` (the task found was made from another request: fail-fast).

No exception text ever contains a credential: messages are built from codes, server messages
and field names only.
"""

from __future__ import annotations

from airflow_provider_tencent.compat import AirflowException, AirflowFailException
from airflow_provider_tencent.contracts import ErrorKind


class TencentCloudError(AirflowException):
    """Base of everything this provider raises."""


class TencentCloudAPIError(TencentCloudError):
    """A Tencent Cloud API call failed.

    :param code: the API error code (``RequestLimitExceeded``, ``FailedOperation.InnerError``, ...)
        or a client-side one (``ClientNetworkError``, ``ServerNetworkError``).
    :param kind: what the code means (see :class:`~airflow_provider_tencent.contracts.ErrorKind`).
    :param sent: ``False`` when the request provably never reached the server, ``True`` when it
        did (or may have).
    """

    def __init__(
        self,
        *,
        code: str,
        message: str,
        action: str,
        kind: ErrorKind,
        request_id: str | None = None,
        sent: bool = True,
        hint: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.action = action
        self.kind = kind
        self.request_id = request_id
        self.sent = sent
        self.hint = hint
        super().__init__(self._render())

    @property
    def retryable(self) -> bool:
        """True when repeating the request is safe from the server's point of view.

        Read from the error's kind, as the contract decides it (:attr:`ErrorKind.retryable`): never
        stored apart. Whether a caller repeats a creating action is its own decision.
        """
        return self.kind.retryable

    @property
    def ambiguous(self) -> bool:
        """True when the action may have been carried out although no answer says so.

        The request reached the service (or may have: ``sent``) and the failure says nothing of
        what was done - a transient failure (a timeout after sending, an error answer of a server
        in trouble, an answer that could not be read) or a code no table decides (``UNKNOWN``).
        This is the provider's one notion of "may have happened"; on a creating action it means
        "may have been created".
        """
        return self.sent and self.kind in (ErrorKind.TRANSIENT, ErrorKind.UNKNOWN)

    def _render(self) -> str:
        parts = [f"{self.action} failed: {self.code}: {self.message}"]
        if self.request_id:
            parts.append(f"(RequestId {self.request_id})")
        if self.hint:
            parts.append(f"- {self.hint}")
        return " ".join(parts)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[TencentCloudAPIError], state: dict[str, object]) -> TencentCloudAPIError:
    obj = cls.__new__(cls)
    obj.__dict__.update(state)
    Exception.__init__(obj, obj._render())
    return obj


class TencentCloudInputError(TencentCloudError, AirflowFailException, ValueError):
    """Bad input: caught before any API call (``field``/``limit``/``actual`` set), or refused by the API."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        limit: str | None = None,
        actual: str | None = None,
        item: str | None = None,
    ) -> None:
        self.field = field
        self.limit = limit
        self.actual = actual
        self.item = item
        super().__init__(message)


class TencentCloudAccountError(TencentCloudAPIError, AirflowFailException):
    """Credentials, permission, billing or activation: a person must act, retrying cannot help."""


class TencentCloudBadRequestError(TencentCloudAPIError, TencentCloudInputError):
    """The API refused the input itself (``InvalidParameter*``, ``FailedOperation.ImageDecodeFailed``...).

    A :class:`TencentCloudInputError` (the one bad-input type) that also carries the API's Code and
    RequestId; ``field``, ``limit`` and ``actual`` are ``None``: the server names the problem.
    """


class TencentCloudAmbiguousError(TencentCloudAPIError, AirflowFailException):
    """An :attr:`~TencentCloudAPIError.ambiguous` failure not repeated: a repeat could create a duplicate."""

    @classmethod
    def from_error(cls, exc: TencentCloudAPIError, consequence: str, hint: str) -> TencentCloudAmbiguousError:
        """``exc`` (ambiguous) raised as not repeated: its message gets ``consequence``, its hint ``hint``."""
        return cls(
            code=exc.code,
            message=f"{exc.message}; {consequence}",
            action=exc.action,
            kind=exc.kind,
            request_id=exc.request_id,
            sent=True,
            hint=hint,
        )


class TencentCloudConfigError(TencentCloudError, AirflowFailException):
    """The connection is unusable: no credentials found, unknown region, malformed extras."""


class TencentCloudBatchError(TencentCloudError):
    """Some items of a batch failed; ``failures`` maps each failed item key to its reason."""

    def __init__(self, message: str, failures: dict[str, str]) -> None:
        self.failures = failures
        super().__init__(message)


def api_error_class(kind: ErrorKind) -> type[TencentCloudAPIError]:
    """The exception type for an API error of ``kind``."""
    if kind is ErrorKind.ACCOUNT:
        return TencentCloudAccountError
    if kind is ErrorKind.BAD_INPUT:
        return TencentCloudBadRequestError
    return TencentCloudAPIError


class TencentCloudCheckpointError(TencentCloudError):
    """A batch's checkpoint cannot be used: not writable, a write failed, or another live worker holds it.

    Raised before anything is sent (the checkpoint is probed and leased first), or mid-batch, which
    then stops at once with what was done still reported and journalled.
    """


class TencentCloudBatchAborted(TencentCloudBatchError):
    """A batch stopped before its end (item listing failed, checkpoint failed, gave up under faults).

    ``cause`` is the reason, ``summary`` the counts of what was done before it stopped; what is
    journalled is not sent again by a retry.
    """

    def __init__(self, message: str, failures: dict[str, str], summary: dict[str, object] | None = None) -> None:
        self.summary = summary or {}
        super().__init__(message, failures)


class TencentCloudSharedQuotaTimeout(TencentCloudError):
    """No slot of the account's shared quota (Redis) came free within its ``max_wait``: the request was not sent."""


class VodAigcTaskFailedError(TencentCloudError):
    """The AIGC task ended with an error a new task may not have (Airflow's retries submit one).

    :param task_id: the task's TaskId.
    :param err_code: its ErrCode.
    :param err_code_ext: its ErrCodeExt.
    """

    def __init__(self, message: str, *, task_id: str, err_code: int, err_code_ext: str) -> None:
        self.task_id = task_id
        self.err_code = err_code
        self.err_code_ext = err_code_ext
        super().__init__(message)


class VodAigcTaskFailedForGoodError(VodAigcTaskFailedError, AirflowFailException):
    """The generation task ended with an error a repeat would have too (content, parameters, cancelled)."""


class VodAigcWaitTimeoutError(TencentCloudError):
    """The wait ran out; the remote task was left running (a retry reattaches to it)."""


class VodAigcRequestMismatchError(TencentCloudError, AirflowFailException):
    """A task found for this task instance (stored TaskId, or SessionId) was made from another request.

    It is not this request's result, so it is not returned; no task is submitted under the same SessionId.
    """
