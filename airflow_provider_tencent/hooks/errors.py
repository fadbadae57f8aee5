"""What a failed call means: sent or not sent, the SDK's errors translated into ours, hints for a person.

Pure functions over the SDK's exceptions and answers (no client, no connection):

* :func:`was_sent`: the SDK wraps every ``requests`` failure as ``ClientNetworkError`` with the
  real cause only in ``__context__``; that cause tells whether the request may have reached the server;
* :func:`translate`: an SDK exception or an error answer as a
  :class:`~airflow_provider_tencent.exceptions.TencentCloudAPIError` (or the subclass of its kind),
  classified by the action's contract, with a message that holds no secret;
* :func:`check_answer`: the ``Response`` of an answer, when it is a success that carries what the
  action promises;
* :func:`account_hint`: what a person must do about an account error no table gives a hint for.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_tencent.contracts import ErrorKind, lookup
from airflow_provider_tencent.contracts.common import classify_common
from airflow_provider_tencent.exceptions import TencentCloudAPIError, api_error_class
from airflow_provider_tencent.utils.secrets import redact_text

#: The answer to a session token that is invalid or expired: renewable keys are renewed on it.
TOKEN_FAILURE = "AuthFailure.TokenFailure"


def was_sent(exc: BaseException) -> bool:
    """Whether a failed HTTP exchange (the SDK's ``ClientNetworkError``) may have reached the server.

    A connect error, connect timeout, DNS or TLS failure means the request never left; a read
    timeout or a reset after connecting means it may have been processed.
    """
    import requests

    cause = exc.__context__ or exc.__cause__
    if isinstance(cause, (requests.exceptions.ConnectTimeout, requests.exceptions.SSLError)):
        return False
    if isinstance(cause, requests.exceptions.ProxyError):
        return False
    # the request could not even be built or encoded here: a bad URL or header, a text that does not
    # encode, a timeout too large for the socket layer - nothing left this machine
    if isinstance(
        cause,
        (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidHeader,
            requests.exceptions.MissingSchema,
            requests.exceptions.InvalidSchema,
            requests.exceptions.InvalidJSONError,
            UnicodeError,
            OverflowError,
            TypeError,
        ),
    ):
        return False
    if isinstance(cause, ValueError) and not isinstance(cause, requests.exceptions.RequestException):
        return False
    if isinstance(cause, requests.exceptions.ConnectionError) and not isinstance(
        cause, requests.exceptions.ReadTimeout
    ):
        reason = cause.args[0] if cause.args else None
        inner = getattr(reason, "reason", reason)
        text = type(inner).__name__
        if text in ("NewConnectionError", "NameResolutionError", "ConnectTimeoutError"):
            return False
        if isinstance(inner, ConnectionRefusedError):
            return False
    return True


def short_text(text: object, limit: int = 300) -> str:
    """One line of at most ``limit`` characters, redacted (URL query strings, credential fields, secrets)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    out = redact_text(" ".join(f"{text}".split()))
    return out if len(out) <= limit else out[:limit] + "..."


def translate(exc: Any, service: str, action: str, *, sent: bool | None = None) -> TencentCloudAPIError:
    """``exc`` (an SDK exception, or an error answer made into one) as our error.

    :param sent: ``False`` when the request provably never reached the network layer; otherwise
        it was sent, except a ``ClientNetworkError`` whose cause says it never left (:func:`was_sent`).
    """
    code = exc.get_code() or "Unknown"
    contract = lookup(service, action)
    spec = contract.error(code) if contract else classify_common(code)
    never_left = sent is False
    sent = not never_left
    message = short_text(exc.get_message() or "")
    if never_left:
        message = f"{message} (not sent)"
    elif code == "ClientNetworkError":
        sent = was_sent(exc)
        cause = exc.__context__
        message = f"{type(cause).__name__ if cause else 'network error'} ({'sent' if sent else 'not sent'})"
    elif code == "ServerNetworkError":
        message = f"HTTP error answer: {message}"
    hint = None
    if spec.kind is ErrorKind.ACCOUNT:
        hint = spec.hint or account_hint(code)
    return api_error_class(spec.kind)(
        code=code,
        message=message,
        action=action,
        kind=spec.kind,
        request_id=exc.get_request_id(),
        sent=sent,
        hint=hint,
    )


def check_answer(body: Any, service: str, action: str) -> dict[str, Any]:
    """The ``Response`` of ``body``, when it is a success that carries what the action promises.

    The SDK looks for ``Response.Error`` only when the content type is exactly
    ``application/json`` or ``text/plain``: a gateway answering ``application/json;
    charset=utf-8`` would pass an error off as a success. So every answer is checked here.

    :raises TencentCloudAPIError: the error the answer carries (translated), or ``IncompleteAnswer``
        (transient, sent) when there is no ``Response`` or a promised field is missing.
    """
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    response = body.get("Response") if isinstance(body, dict) else None
    if not isinstance(response, dict):
        raise incomplete(action, "the answer has no Response object")
    error = response.get("Error")
    if error is not None:
        code = error.get("Code") if isinstance(error, dict) else None
        message = error.get("Message") if isinstance(error, dict) else f"{error}"
        raise translate(
            TencentCloudSDKException(code or "Unknown", message or "", response.get("RequestId")), service, action
        )
    contract = lookup(service, action)
    missing = [name for name in (contract.promises if contract else ()) if response.get(name) in (None, "")]
    if missing:
        raise incomplete(
            action, f"the answer has no {', '.join(missing)}, which {action} promises", response.get("RequestId")
        )
    return response


def incomplete(action: str, message: str, request_id: str | None = None) -> TencentCloudAPIError:
    """An answer came back but is not a usable success: transient, and sent."""
    return TencentCloudAPIError(
        code="IncompleteAnswer",
        message=message,
        action=action,
        kind=ErrorKind.TRANSIENT,
        request_id=request_id,
        sent=True,
    )


def local_failure(exc: BaseException, action: str, *, handed_over: bool) -> TencentCloudAPIError:
    """A failure outside the SDK's own wrapping: while building the request, or while reading the answer.

    Before the request reached the network layer (``handed_over`` false), nothing was sent: bad
    input (``ClientError``). After, the answer's body could not be read (it is streamed): transient,
    and sent (``ResponseReadError``).
    """
    if not handed_over:
        return TencentCloudAPIError(
            code="ClientError",
            message=f"the request could not be built: {type(exc).__name__}: {short_text(exc)}",
            action=action,
            kind=ErrorKind.BAD_INPUT,
            sent=False,
        )
    return TencentCloudAPIError(
        code="ResponseReadError",
        message=f"the answer could not be read: {type(exc).__name__}",
        action=action,
        kind=ErrorKind.TRANSIENT,
        sent=True,
    )


def credential_failure(exc: BaseException, credential: object, action: str) -> TencentCloudAPIError:
    """Keys could not be got or renewed (the CVM metadata service unreachable, say): transient, not sent."""
    return TencentCloudAPIError(
        code="CredentialError",
        message=f"could not get credentials from {credential!r}: {type(exc).__name__}: {short_text(exc)}",
        action=action,
        kind=ErrorKind.TRANSIENT,
        sent=False,
    )


def account_hint(code: str) -> str:
    """What a person must do about account error ``code`` when its table gives no hint."""
    if code in (
        "AuthFailure.SignatureFailure",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.InvalidSecretId",
    ):
        return "check the connection's SecretId (login) and SecretKey (password)"
    if code == "AuthFailure.SignatureExpire":
        return "the worker's clock is more than 5 minutes off: fix NTP"
    if code == TOKEN_FAILURE:
        return "the session token is invalid or expired: renew it or use role_arn"
    if code.startswith("AuthFailure.Unauthorized") or code.startswith("UnauthorizedOperation"):
        return "grant the key's CAM policy this action"
    if code.startswith("ResourceUnavailable"):
        return "open the service in the Tencent Cloud console and check the account's billing"
    return "a person must fix the account or connection; retrying will not help"
