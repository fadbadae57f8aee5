"""TencentCloudHook: credentials, SDK profiles, one signed client per service, and the generic call.

Every request is signed TC3-HMAC-SHA256 by the official SDK's ``CommonClient`` (from
``tencentcloud-sdk-python-common``: no service package is imported, ever). What the hook adds:

* connection parsing in one place (:class:`~airflow_provider_tencent.utils.connection.TencentConnection`),
  read lazily - never in ``__init__``, never at DAG-parse time;
* profiles that avoid the SDK's traps: ``language`` en-US (the SDK says zh-CN), region breaker
  off (it rewrites custom endpoints), no ``StandardRetryer`` (it never reports success after a
  first failure), ``protocol`` passed to ``HttpProfile``'s constructor (later assignment is
  ignored), connect and read timeouts;
* our own retries only where a repeat is harmless: the policy is
  :class:`~airflow_provider_tencent.hooks.retry.RetryPolicy` (throttling, never-sent requests,
  renewed tokens, transient failures of read-only or deduplicated actions);
* errors turned into :class:`~airflow_provider_tencent.exceptions.TencentCloudAPIError` with
  Code, Message, RequestId, action, kind and whether the request was sent
  (:mod:`airflow_provider_tencent.hooks.errors`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from airflow.sdk.bases.hook import BaseHook

from airflow_provider_tencent.compat import AIRFLOW_V_3_2_PLUS, AirflowNotFoundException
from airflow_provider_tencent.contracts import lookup
from airflow_provider_tencent.contracts import sts as sts_contract
from airflow_provider_tencent.contracts.connection import legacy_connection_form_widgets, legacy_ui_field_behaviour
from airflow_provider_tencent.exceptions import TencentCloudAPIError, TencentCloudConfigError, TencentCloudError
from airflow_provider_tencent.hooks.credentials import (
    RefreshingCredential,
    StaticCredential,
    TemporaryKeys,
    cvm_role_fetcher,
    find_keyless_credential,
)
from airflow_provider_tencent.hooks.errors import (
    TOKEN_FAILURE,
    check_answer,
    credential_failure,
    incomplete,
    local_failure,
    translate,
)
from airflow_provider_tencent.hooks.retry import Limiter, RetryPolicy
from airflow_provider_tencent.utils.connection import DEFAULT_CONN_ID, TencentConnection, unreadable_env_connection
from airflow_provider_tencent.utils.secrets import install_log_filters, register_secret

if TYPE_CHECKING:
    from tencentcloud.common.common_client import CommonClient


#: Connection pool per client: enough for a batch's worker threads.
POOL_SIZE = 32
#: Per thread: whether the current call reached the SDK's ``send_request`` (the network layer).
_HANDED_OVER = threading.local()


_Hook = TypeVar("_Hook", bound=type)


def _add_legacy_connection_form(hook: _Hook) -> _Hook:
    """On Airflow < 3.2, give ``hook`` the form methods 3.1 reads, generated from the connection declaration
    (:mod:`airflow_provider_tencent.contracts.connection`).

    From 3.2 the hook is returned untouched: Airflow reads the declaration from the provider info
    (and warns about the hook methods as deprecated).
    """
    if AIRFLOW_V_3_2_PLUS:
        return hook

    def get_connection_form_widgets(cls: type) -> dict[str, Any]:
        return legacy_connection_form_widgets()

    def get_ui_field_behaviour(cls: type) -> dict[str, Any]:
        return legacy_ui_field_behaviour()

    hook.get_connection_form_widgets = classmethod(get_connection_form_widgets)  # type: ignore[attr-defined]
    hook.get_ui_field_behaviour = classmethod(get_ui_field_behaviour)  # type: ignore[attr-defined]
    return hook


@_add_legacy_connection_form
class TencentCloudHook(BaseHook):
    """Signed calls to any Tencent Cloud API 3.0 action.

    :param tencentcloud_conn_id: the ``tencentcloud`` connection (a missing one is a
        :class:`~airflow_provider_tencent.exceptions.TencentCloudConfigError`); ``None``: no connection,
        the key-less default chain (environment, profile file, CVM role, TKE OIDC) in the default region.
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
        """The parsed connection (fetched on first use); its region and credential source are logged once.

        :raises TencentCloudConfigError: the connection does not exist (``tencentcloud_conn_id=None`` asks for
            the key-less chain without one), or a setting is invalid.
        """
        conn = None
        conn_id = self.tencentcloud_conn_id
        if conn_id:
            try:
                conn = self.get_connection(conn_id)
            except AirflowNotFoundException:
                reason = unreadable_env_connection(conn_id) or (
                    f"Connection {conn_id!r} does not exist: create it (Admin > Connections, or "
                    f"AIRFLOW_CONN_{conn_id.upper()}), or pass tencentcloud_conn_id=None to use the key-less "
                    "credential chain (environment, profile file, CVM role, TKE OIDC) without a connection"
                )
                raise TencentCloudConfigError(reason) from None
        cfg = TencentConnection.from_connection(conn, region=self.region_override)
        self.log.info(
            "Tencent Cloud: connection %s, region %s, credentials from %s",
            repr(cfg.conn_id) if cfg.conn_id else "none (tencentcloud_conn_id=None)",
            cfg.region,
            cfg.credential_description,
        )
        return cfg

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
            response = self._call_with_retries(client, sts_contract.SERVICE, "AssumeRole", params)
            creds = response["Credentials"]
            register_secret(creds.get("TmpSecretKey"), creds.get("Token"))
            if not all(creds.get(k) for k in ("TmpSecretId", "TmpSecretKey", "Token")):
                raise incomplete(
                    "AssumeRole",
                    "AssumeRole answered without TmpSecretId, TmpSecretKey or Token",
                    response.get("RequestId"),
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
        return self._call_with_retries(
            client, service, action, params, retry_transient=retry_transient, limiter=limiter, before_send=before_send
        )

    def _call_with_retries(
        self,
        client: CommonClient,
        service: str,
        action: str,
        params: dict[str, Any],
        *,
        retry_transient: bool = False,
        limiter: Limiter | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        contract = lookup(service, action)
        policy = RetryPolicy(
            action=action,
            settings=self.conn_config.retry,
            repeat_transient=bool(contract and contract.read_only) or retry_transient,
            renewable_keys=isinstance(client.credential, RefreshingCredential),
            limiter=limiter,
            log=self.log,
        )

        def attempt() -> dict[str, Any]:
            self._ensure_credentials(client, action)  # a refresh may take a while: before the slot
            self._take_slot(limiter, before_send)
            return self._call_once(client, service, action, params)

        return policy.run(attempt)

    @staticmethod
    def _take_slot(limiter: Limiter | None, before_send: Callable[[], None] | None) -> None:
        """Wait for the ``limiter``, then ``before_send()``: the last moment before the bytes leave.

        A limiter with ``reserve``/``admit`` (``batch.rate_limit``) paces before ``before_send`` and
        guards its window after it, at the time the request really leaves.
        """
        reserve = getattr(limiter, "reserve", None)
        admit = getattr(limiter, "admit", None)
        if limiter is not None and reserve is not None and admit is not None:
            reserve()  # the pacing slot
            if before_send is not None:
                before_send()
            admit()  # the window guard
            return
        if limiter is not None:
            limiter.acquire()
        if before_send is not None:
            before_send()

    def _call_once(self, client: CommonClient, service: str, action: str, params: dict[str, Any]) -> dict[str, Any]:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

        self._ensure_credentials(client, action)  # no-op when fresh; keys could expire after the slot wait
        _HANDED_OVER.value = False
        try:
            body = client.call_json(action, params)
        except TencentCloudSDKException as exc:
            sent = None if _HANDED_OVER.value else False
            raise self._renew_if_refused(client, translate(exc, service, action, sent=sent)) from None
        except TencentCloudError:
            raise  # a credential refresh (AssumeRole) failed with its own, already translated error
        except Exception as exc:
            raise local_failure(exc, action, handed_over=bool(_HANDED_OVER.value)) from None
        try:
            return check_answer(body, service, action)
        except TencentCloudAPIError as error:
            raise self._renew_if_refused(client, error) from None

    @staticmethod
    def _renew_if_refused(client: CommonClient, error: TencentCloudAPIError) -> TencentCloudAPIError:
        """``error``; on ``AuthFailure.TokenFailure``, the client's renewable keys are dropped first."""
        if error.code == TOKEN_FAILURE and isinstance(client.credential, RefreshingCredential):
            client.credential.invalidate()  # the client's own keys, never the base keys of an AssumeRole
        return error

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
            raise credential_failure(exc, client.credential, action) from None

    def test_connection(self) -> tuple[bool, str]:
        """One cheap read call (STS ``GetCallerIdentity``): ``(True, who)`` or ``(False, error code)``."""
        try:
            response = self.call(sts_contract.SERVICE, sts_contract.VERSION, "GetCallerIdentity", {})
        except TencentCloudAPIError as exc:
            return False, f"{exc.code}: {exc.message}"
        except TencentCloudConfigError as exc:
            return False, f"{exc}"
        return True, f"Connection works: {json.dumps({k: response.get(k) for k in ('Arn', 'UserId')})}"
