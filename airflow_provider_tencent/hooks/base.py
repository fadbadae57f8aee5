"""TencentCloudHook: credentials, SDK profiles, one signed client per service, and the generic call.

Every request is signed TC3-HMAC-SHA256 by the official SDK's ``CommonClient`` (from
``tencentcloud-sdk-python-common``: no service package is imported, ever). What the hook adds:

* connection parsing in one place (:class:`~airflow_provider_tencent.utils.connection.TencentConnection`),
  read lazily - never in ``__init__``, never at DAG-parse time;
* profiles that avoid the SDK's traps: ``language`` en-US (the SDK says zh-CN), region breaker
  off (it rewrites custom endpoints), no ``StandardRetryer`` (it never reports success after a
  first failure), ``protocol`` passed to ``HttpProfile``'s constructor (later assignment is
  ignored), connect and read timeouts;
* our own retries (tenacity, exponential backoff with full jitter) only where a repeat is
  harmless: throttling (``RequestLimitExceeded`` answers count apart from ``max_attempts``, up to
  ``THROTTLE_BUDGET`` times it), a request that provably never left this machine, read-only actions, and
  - when the caller says its action is deduplicated - transient server failures;
* errors turned into :class:`~airflow_provider_tencent.exceptions.TencentCloudAPIError` with
  Code, Message, RequestId, action, kind and whether the request was sent.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import tenacity
from airflow.sdk.bases.hook import BaseHook

from airflow_provider_tencent.compat import AirflowNotFoundException, connection_form_from_provider_info
from airflow_provider_tencent.contracts import ErrorKind, lookup
from airflow_provider_tencent.contracts import sts as sts_contract
from airflow_provider_tencent.contracts.common import classify_common
from airflow_provider_tencent.exceptions import (
    TencentCloudAPIError,
    TencentCloudConfigError,
    TencentCloudError,
    api_error_class,
)
from airflow_provider_tencent.hooks.credentials import (
    RefreshingCredential,
    StaticCredential,
    TemporaryKeys,
    cvm_role_fetcher,
    find_keyless_credential,
)
from airflow_provider_tencent.utils.connection import DEFAULT_CONN_ID, TencentConnection, unreadable_env_connection
from airflow_provider_tencent.utils.secrets import install_log_filters, redact_text, register_secret

if TYPE_CHECKING:
    from tencentcloud.common.common_client import CommonClient

log = logging.getLogger(__name__)

#: Connection pool per client: enough for a batch's worker threads.
POOL_SIZE = 32
#: ``RequestLimitExceeded`` answers allowed per call, as a multiple of ``max_attempts``: they count apart.
THROTTLE_BUDGET = 3
#: ``AuthFailure.TokenFailure`` answers renewed and retried per call (keys revoked or expired early).
TOKEN_RENEWALS = 2
#: Per thread: whether the current call reached the SDK's ``send_request`` (the network layer).
_HANDED_OVER = threading.local()


class Limiter(Protocol):
    """What :meth:`TencentCloudHook.call` needs from a rate limiter (see ``utils.rate_limit``)."""

    def acquire(self) -> None: ...

    def on_throttled(self) -> None: ...


def _was_sent(exc: BaseException) -> bool:
    """Whether a failed HTTP exchange may have reached the server.

    The SDK wraps every ``requests`` failure as ``ClientNetworkError`` with the real cause only in
    ``__context__``. A connect error, connect timeout, DNS or TLS failure means the request never
    left; a read timeout or a reset after connecting means it may have been processed.
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


def _short(text: object, limit: int = 300) -> str:
    """One line of at most ``limit`` characters, with the query string of any URL taken out."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    out = redact_text(" ".join(f"{text}".split()))
    return out if len(out) <= limit else out[:limit] + "..."


@connection_form_from_provider_info
class TencentCloudHook(BaseHook):
    """Signed calls to any Tencent Cloud API 3.0 action.

    :param tencentcloud_conn_id: the ``tencentcloud`` connection; when it does not exist, the
        key-less default chain is used (environment, profile file, CVM role, TKE OIDC).
    :param region: overrides the connection's ``region``.
    """

    conn_name_attr = "tencentcloud_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "tencentcloud"
    hook_name = "Tencent Cloud"

    def __init__(self, tencentcloud_conn_id: str | None = DEFAULT_CONN_ID, region: str | None = None) -> None:
        super().__init__()
        self.tencentcloud_conn_id = tencentcloud_conn_id
        self.region_override = region
        self._clients: dict[tuple[str, str, str], CommonClient] = {}
        self._lock = threading.Lock()

    # -- connection and credentials ---------------------------------------------------------
    @cached_property
    def conn_config(self) -> TencentConnection:
        """The parsed connection (fetched on first use)."""
        conn = None
        if self.tencentcloud_conn_id:
            try:
                conn = self.get_connection(self.tencentcloud_conn_id)
            except AirflowNotFoundException:
                reason = unreadable_env_connection(self.tencentcloud_conn_id)
                if reason:
                    raise TencentCloudConfigError(reason) from None
                self.log.warning(
                    "Connection %r not found: using key-less credentials (environment, profile, roles)",
                    self.tencentcloud_conn_id,
                )
        return TencentConnection.from_connection(conn, region=self.region_override)

    @property
    def region(self) -> str:
        return self.conn_config.region

    @cached_property
    def credential(self) -> Any:
        """The SDK credential object (``get_credential_info()``) for every client of this hook."""
        cfg = self.conn_config
        if cfg.secret_id and cfg.secret_key:
            base: Any = StaticCredential(cfg.secret_id, cfg.secret_key, cfg.token)
        elif cfg.credential_source == "cvm_role":
            base = RefreshingCredential(
                cvm_role_fetcher(
                    cfg.metadata_endpoint or "http://metadata.tencentyun.com/latest/meta-data/",
                    cfg.timeouts.connect,
                ),
                source="cvm_role",
            )
        else:
            base = find_keyless_credential(
                cfg.credential_source, conn_id=cfg.conn_id, metadata_endpoint=cfg.metadata_endpoint
            )
        # key-less sources (environment, profile file, TKE) hand over SDK credential objects
        register_secret(getattr(base, "secret_key", None), getattr(base, "token", None))
        if cfg.role_arn:
            return RefreshingCredential(self._assume_role_fetcher(base), source="assume_role")
        return base

    def get_credential(self) -> Any:
        """The credential (static, assumed role, or key-less) used to sign requests."""
        return self.credential

    def _assume_role_fetcher(self, base: Any) -> Any:
        cfg = self.conn_config

        def fetch() -> TemporaryKeys:
            client = self._new_client(sts_contract.SERVICE, sts_contract.VERSION, cfg.region, base)
            params = {
                "RoleArn": cfg.role_arn,
                "RoleSessionName": cfg.role_session_name,
                "DurationSeconds": cfg.duration_seconds,
            }
            response = self._call_with_retries(client, sts_contract.SERVICE, "AssumeRole", params, False, None)
            creds = response["Credentials"]
            register_secret(creds.get("TmpSecretKey"), creds.get("Token"))
            if not all(creds.get(k) for k in ("TmpSecretId", "TmpSecretKey", "Token")):
                raise TencentCloudAPIError(
                    code="IncompleteAnswer",
                    message="AssumeRole answered without TmpSecretId, TmpSecretKey or Token",
                    action="AssumeRole",
                    kind=ErrorKind.TRANSIENT,
                    request_id=response.get("RequestId"),
                )
            return TemporaryKeys(
                creds["TmpSecretId"], creds["TmpSecretKey"], creds["Token"], float(response["ExpiredTime"])
            )

        return fetch

    # -- clients -----------------------------------------------------------------------------
    def _new_client(self, service: str, version: str, region: str, credential: Any) -> CommonClient:
        from requests.adapters import HTTPAdapter
        from tencentcloud.common.common_client import CommonClient
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile

        install_log_filters()  # the SDK logs whole requests and answers at DEBUG: redact them
        cfg = self.conn_config
        contract_host = f"{service}.tencentcloudapi.com"
        scheme, host = cfg.url_for(service, contract_host)
        http_profile = HttpProfile(
            protocol=scheme,  # read only by the constructor
            endpoint=host,
            reqTimeout=(cfg.timeouts.connect, cfg.timeouts.read),
            proxy=cfg.proxy,
            keepAlive=True,
        )
        profile = ClientProfile(
            httpProfile=http_profile,
            language=cfg.language,
            disable_region_breaker=True,
            retryer=None,
        )
        client = CommonClient(service, version, credential, region, profile=profile)
        send_request = client.request.send_request

        def handed_over(request: Any) -> Any:
            # an error before this point (building or signing the request) means nothing was sent
            _HANDED_OVER.value = True
            return send_request(request)

        client.request.send_request = handed_over
        session = client.request.conn._session
        # The SDK picks the proxy (the connection's, else HTTP(S)_PROXY) and the CA bundle once, at
        # construction, and passes both with every request; requests' own look at the environment on
        # each call (proxies, NO_PROXY, netrc) would change nothing but costs ~0.5 ms a call.
        session.trust_env = False
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return client

    def get_client(self, service: str, version: str) -> CommonClient:
        """The signed client for ``service``/``version`` in this hook's region (one per hook, reused)."""
        key = (service, version, self.region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = self._new_client(service, version, self.region, self.credential)
                self._clients[key] = client
            return client

    # -- calls -------------------------------------------------------------------------------
    def call(
        self,
        service: str,
        version: str,
        action: str,
        params: dict[str, Any],
        *,
        retry_transient: bool = False,
        limiter: Limiter | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """Call ``action`` and return its ``Response`` object (without the envelope).

        Retries throttling and never-sent requests always; transient failures only for read-only
        actions or when ``retry_transient`` says the caller deduplicates. Each attempt first gets
        (or renews) the keys, then takes a ``limiter`` slot (so a slow key refresh never makes a
        burst), then calls ``before_send()`` - the last moment before the bytes leave: a caller
        journals there that the request may have reached the service. Anything raised before it
        (input, credentials, the limiter) means nothing was sent.

        An answer counts as a success only when it has no ``Response.Error`` (whatever its content
        type) and carries the fields the action's contract promises (``ApiContract.promises``).

        :raises TencentCloudAPIError: (or a subclass by error kind) when the last attempt failed.
        """
        client = self.get_client(service, version)
        return self._call_with_retries(client, service, action, params, retry_transient, limiter, before_send)

    def _call_with_retries(
        self,
        client: CommonClient,
        service: str,
        action: str,
        params: dict[str, Any],
        retry_transient: bool,
        limiter: Limiter | None,
        before_send: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        contract = lookup(service, action)
        read_only = bool(contract and contract.read_only)
        settings = self.conn_config.retry
        throttled = 0
        renewals = 0

        def should_retry(state: tenacity.RetryCallState) -> bool:
            nonlocal throttled, renewals
            exc = state.outcome.exception() if state.outcome else None
            if not isinstance(exc, TencentCloudAPIError):
                return False
            if exc.kind is ErrorKind.THROTTLED:
                throttled += 1
                if limiter is not None:
                    limiter.on_throttled()
                return True
            if not exc.sent:
                return True
            if exc.code == "AuthFailure.TokenFailure" and isinstance(client.credential, RefreshingCredential):
                # keys were revoked or expired early (at any attempt): new ones are fetched, a few times
                renewals += 1
                return renewals <= TOKEN_RENEWALS
            return exc.retryable and (read_only or retry_transient)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            self.log.warning(
                "%s attempt %d failed (%s); retrying in %.2fs",
                action,
                state.attempt_number,
                getattr(exc, "code", type(exc).__name__),
                state.next_action.sleep if state.next_action else 0.0,
            )

        def attempt() -> dict[str, Any]:
            self._ensure_credentials(client, action)  # a refresh may take a while: before the slot
            reserve = getattr(limiter, "reserve", None)
            admit = getattr(limiter, "admit", None)
            if limiter is not None and reserve is not None and admit is not None:
                reserve()  # the pacing slot
                if before_send is not None:
                    before_send()
                admit()  # the window guard, at the time the request really leaves
            else:
                if limiter is not None:
                    limiter.acquire()
                if before_send is not None:
                    before_send()
            return self._call_once(client, service, action, params)

        backoff = tenacity.wait_random_exponential(multiplier=settings.backoff_base, max=settings.backoff_max)

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            pause = backoff(state)
            if isinstance(exc, TencentCloudAPIError) and exc.kind is ErrorKind.THROTTLED and limiter is None:
                # quotas are counted per second: without a pacing limiter, let the window pass
                pause = max(pause, random.uniform(0.5, 1.0))
            return pause

        def stop(state: tenacity.RetryCallState) -> bool:
            # a throttled attempt did no work and is expected in bulk: throttles have their own budget
            others = state.attempt_number - throttled
            return others >= settings.max_attempts or throttled >= THROTTLE_BUDGET * settings.max_attempts

        retrying = tenacity.Retrying(
            retry=should_retry,
            stop=stop,
            wait=wait,
            before_sleep=before_sleep,
            reraise=True,
        )
        result: dict[str, Any] = retrying(attempt)
        return result

    def _call_once(self, client: CommonClient, service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

        self._ensure_credentials(client, action)  # no-op when fresh; keys could expire after the slot wait
        _HANDED_OVER.value = False
        try:
            body = client.call_json(action, params)
        except TencentCloudSDKException as exc:
            sent = None if _HANDED_OVER.value else False
            raise self._translate(exc, client, service, action, sent=sent) from None
        except TencentCloudError:
            raise  # a credential refresh (AssumeRole) failed with its own, already translated error
        except Exception as exc:
            if not _HANDED_OVER.value:  # building or signing the request failed: it never left
                raise TencentCloudAPIError(
                    code="ClientError",
                    message=f"the request could not be built: {type(exc).__name__}: {_short(exc)}",
                    action=action,
                    kind=ErrorKind.BAD_INPUT,
                    sent=False,
                ) from None
            raise TencentCloudAPIError(  # the body read (stream=True) is outside the SDK's wrapping
                code="ResponseReadError",
                message=f"the answer could not be read: {type(exc).__name__}",
                action=action,
                kind=ErrorKind.TRANSIENT,
                sent=True,
            ) from None
        return self._check_answer(body, client, service, action)

    def _check_answer(self, body: Any, client: CommonClient, service: str, action: str) -> dict[str, Any]:
        """The ``Response`` of ``body``, when it is a success that carries what the action promises.

        The SDK looks for ``Response.Error`` only when the content type is exactly
        ``application/json`` or ``text/plain``: a gateway answering ``application/json;
        charset=utf-8`` would pass an error off as a success. So every answer is checked here.
        """
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

        response = body.get("Response") if isinstance(body, dict) else None
        if not isinstance(response, dict):
            raise TencentCloudAPIError(
                code="IncompleteAnswer",
                message="the answer has no Response object",
                action=action,
                kind=ErrorKind.TRANSIENT,
                sent=True,
            )
        error = response.get("Error")
        if error is not None:
            code = error.get("Code") if isinstance(error, dict) else None
            message = error.get("Message") if isinstance(error, dict) else f"{error}"
            sdk_exc = TencentCloudSDKException(code or "Unknown", message or "", response.get("RequestId"))
            raise self._translate(sdk_exc, client, service, action)
        contract = lookup(service, action)
        missing = [name for name in (contract.promises if contract else ()) if response.get(name) in (None, "")]
        if missing:
            raise TencentCloudAPIError(
                code="IncompleteAnswer",
                message=f"the answer has no {', '.join(missing)}, which {action} promises",
                action=action,
                kind=ErrorKind.TRANSIENT,
                request_id=response.get("RequestId"),
                sent=True,
            )
        return response

    @staticmethod
    def _ensure_credentials(client: CommonClient, action: str) -> None:
        """Get (or refresh) the keys before anything is sent, so that a failure there is reported as such.

        An error already translated (an ``AssumeRole`` refused) passes unchanged; anything else (the
        CVM metadata service unreachable, say) is a transient failure of a request that was never sent.
        """
        try:
            client.credential.get_credential_info()
        except TencentCloudError:
            raise
        except Exception as exc:
            raise TencentCloudAPIError(
                code="CredentialError",
                message=f"could not get credentials from {client.credential!r}: {type(exc).__name__}: {_short(exc)}",
                action=action,
                kind=ErrorKind.TRANSIENT,
                sent=False,
            ) from None

    def _translate(
        self, exc: Any, client: CommonClient, service: str, action: str, *, sent: bool | None = None
    ) -> TencentCloudAPIError:
        """``exc`` (an SDK exception or an error answer) as our error; ``sent=False`` when the request
        provably never reached the network layer."""
        code = exc.get_code() or "Unknown"
        contract = lookup(service, action)
        spec = contract.error(code) if contract else classify_common(code)
        never_left = sent is False
        sent = not never_left
        message = _short(exc.get_message() or "")
        if never_left:
            message = f"{message} (not sent)"
        elif code == "ClientNetworkError":
            sent = _was_sent(exc)
            cause = exc.__context__
            message = f"{type(cause).__name__ if cause else 'network error'} ({'sent' if sent else 'not sent'})"
        elif code == "ServerNetworkError":
            message = f"HTTP error answer: {message}"
        hint = None
        if spec.kind is ErrorKind.ACCOUNT:
            hint = spec.hint or _account_hint(code)
        if code == "AuthFailure.TokenFailure" and isinstance(client.credential, RefreshingCredential):
            client.credential.invalidate()  # the client's own keys, never the base keys of an AssumeRole
        cls = api_error_class(spec.kind)
        return cls(
            code=code,
            message=message,
            action=action,
            kind=spec.kind,
            request_id=exc.get_request_id(),
            sent=sent,
            hint=hint,
        )

    def test_connection(self) -> tuple[bool, str]:
        """One cheap read call (STS ``GetCallerIdentity``): ``(True, who)`` or ``(False, error code)``."""
        try:
            response = self.call(sts_contract.SERVICE, sts_contract.VERSION, "GetCallerIdentity", {})
        except TencentCloudAPIError as exc:
            return False, f"{exc.code}: {exc.message}"
        except TencentCloudConfigError as exc:
            return False, f"{exc}"
        return True, f"Connection works: {json.dumps({k: response.get(k) for k in ('Arn', 'UserId')})}"


def _account_hint(code: str) -> str:
    if code in (
        "AuthFailure.SignatureFailure",
        "AuthFailure.SecretIdNotFound",
        "AuthFailure.InvalidSecretId",
    ):
        return "check the connection's SecretId (login) and SecretKey (password)"
    if code == "AuthFailure.SignatureExpire":
        return "the worker's clock is more than 5 minutes off: fix NTP"
    if code == "AuthFailure.TokenFailure":
        return "the session token is invalid or expired: renew it or use role_arn"
    if code.startswith("AuthFailure.Unauthorized") or code.startswith("UnauthorizedOperation"):
        return "grant the key's CAM policy this action"
    if code.startswith("ResourceUnavailable"):
        return "open the service in the Tencent Cloud console and check the account's billing"
    return "a person must fix the account or connection; retrying will not help"
