"""Credential providers: every object here has the SDK's ``get_credential_info()`` interface.

What we add over the SDK's own classes:

* :class:`RefreshingCredential` renews temporary keys *before* they expire (``refresh_margin``),
  under a lock, from any fetch function: STS ``AssumeRole`` through our own signed client (so it
  honours ``endpoint_url``, http and timeouts, which the SDK's ``STSAssumeRoleCredential`` does not),
  or the CVM metadata service with a timeout (the SDK's ``CVMRoleCredential`` has none).
* :func:`find_keyless_credential` walks the key-less sources in order and, when none answers,
  raises an error that lists where it looked (the SDK raises a bare ``OSError("TKE_REGION not
  exist")`` or ``ClientSideError``).

Nothing here logs or formats a secret, and every secret is registered with Airflow's masker (and
the provider's own redaction, :func:`~airflow_provider_tencent.utils.secrets.register_secret`) the
moment it is known - before any request that could log it.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from airflow_provider_tencent.exceptions import TencentCloudConfigError
from airflow_provider_tencent.utils.secrets import register_secret

CVM_METADATA_ENDPOINT = "http://metadata.tencentyun.com/latest/meta-data/"


@dataclass(frozen=True)
class TemporaryKeys:
    secret_id: str
    secret_key: str = field(repr=False)
    token: str = field(repr=False)
    expires_at: float
    """Unix time at which the keys stop working."""


class StaticCredential:
    """A SecretId/SecretKey pair, with an optional session token."""

    def __init__(self, secret_id: str, secret_key: str, token: str | None = None) -> None:
        if not secret_id or any(c.isspace() for c in secret_id):
            raise TencentCloudConfigError("SecretId is empty or contains spaces")
        if not secret_key or any(c.isspace() for c in secret_key):
            raise TencentCloudConfigError("SecretKey is empty or contains spaces")
        self.secret_id = secret_id
        self._secret_key = secret_key
        self._token = token
        register_secret(secret_key, token)

    def get_credential_info(self) -> tuple[str, str, str | None]:
        return self.secret_id, self._secret_key, self._token

    def __repr__(self) -> str:
        return f"StaticCredential(secret_id={self.secret_id!r}, token={'set' if self._token else 'none'})"


class RefreshingCredential:
    """Temporary keys from ``fetch``, renewed ``refresh_margin`` seconds before they expire.

    Renewal never holds up a request whose keys are still good: while the keys have more than
    :attr:`hard_margin` seconds to live, a renewal due runs in a background thread and every caller
    goes on with the current keys; only a caller with no keys (or keys about to expire, or
    after :meth:`invalidate`) waits for new ones. This matters to a rate-limited batch: a request that
    the limiter has already counted (its send slot taken) and that then waited for a slow renewal
    would leave late, bunched with the next ones, and push a one-second window over the quota.

    :param refresh_margin: renew this long before expiry at most; short-lived keys (a few minutes)
        are renewed after two thirds of their life.
    """

    def __init__(self, fetch: Callable[[], TemporaryKeys], *, source: str, refresh_margin: float = 300.0) -> None:
        self._fetch = fetch
        self.source = source
        self.refresh_margin = refresh_margin
        self._keys: TemporaryKeys | None = None
        self._margin = refresh_margin
        self.hard_margin = refresh_margin / 10
        """Seconds before expiry below which callers wait for new keys (renewal in the background failed or is late)."""
        self._lock = threading.Lock()
        self._background = threading.Lock()
        self.refreshes = 0

    def _left(self, keys: TemporaryKeys | None) -> float:
        return -1.0 if keys is None else keys.expires_at - time.time()

    def _current(self) -> TemporaryKeys:
        keys = self._keys
        left = self._left(keys)
        if keys is not None and left > self._margin:
            return keys
        if keys is not None and left > self.hard_margin:
            self._renew_in_background()
            return keys
        with self._lock:  # no usable keys: wait for them (one fetch, whoever comes first)
            keys = self._keys
            if keys is None or self._left(keys) <= self.hard_margin:
                keys = self._refresh_locked()
            return keys

    def _refresh_locked(self) -> TemporaryKeys:
        """Fetch new keys (``_lock`` held) and set the margins from their lifetime."""
        fetched_at = time.time()
        keys = self._fetch()
        register_secret(keys.secret_key, keys.token)
        self._keys = keys
        self.refreshes += 1
        lifetime = max(0.0, keys.expires_at - fetched_at)
        self._margin = min(self.refresh_margin, lifetime / 3)
        self.hard_margin = min(self.refresh_margin / 10, lifetime / 10)
        return keys

    def _renew_in_background(self) -> None:
        """Start one background renewal unless one is running."""
        if not self._background.acquire(blocking=False):
            return
        threading.Thread(target=self._renew, name="credential-renewal", daemon=True).start()

    def _renew(self) -> None:
        try:
            with self._lock:
                if self._left(self._keys) <= self._margin:
                    self._refresh_locked()
        except Exception:  # a caller that needs the keys fetches them itself and sees the error
            pass
        finally:
            self._background.release()

    def get_credential_info(self) -> tuple[str, str, str | None]:
        keys = self._current()
        return keys.secret_id, keys.secret_key, keys.token

    def invalidate(self) -> None:
        """Forget the keys: the next call fetches new ones (after ``AuthFailure.TokenFailure``)."""
        with self._lock:
            self._keys = None

    def __repr__(self) -> str:
        return f"RefreshingCredential(source={self.source!r})"


def cvm_role_fetcher(endpoint: str = CVM_METADATA_ENDPOINT, timeout: float = 2.0) -> Callable[[], TemporaryKeys]:
    """Fetch the CVM instance role's keys from the metadata service, with a timeout."""
    base = endpoint.rstrip("/") + "/cam/security-credentials/"
    # the metadata service is link-local: never through a proxy from the environment
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def fetch() -> TemporaryKeys:
        with opener.open(base, timeout=timeout) as resp:
            role = resp.read().decode("utf8").strip().splitlines()[0]
        with opener.open(base + role, timeout=timeout) as resp:
            data = json.loads(resp.read().decode("utf8"))
        register_secret(data.get("TmpSecretKey"), data.get("Token"))
        if data.get("Code") != "Success":
            raise TencentCloudConfigError(f"CVM metadata refused role {role!r}: {data.get('Code')}")
        return TemporaryKeys(data["TmpSecretId"], data["TmpSecretKey"], data["Token"], float(data["ExpiredTime"]))

    return fetch


KeylessSource = tuple[str, str, Callable[[], object | None]]


def _env() -> object | None:
    from tencentcloud.common.credential import EnvironmentVariableCredential

    return EnvironmentVariableCredential().get_credential()


def _profile() -> object | None:
    from tencentcloud.common.credential import ProfileCredential

    return ProfileCredential().get_credential()


def _tke() -> object | None:
    from tencentcloud.common.credential import DefaultTkeOIDCRoleArnProvider

    try:
        return DefaultTkeOIDCRoleArnProvider().get_credential()
    except OSError:  # the SDK's bare OSError("TKE_REGION not exist") and friends
        return None


def _cvm(endpoint: str, timeout: float) -> Callable[[], object | None]:
    def probe() -> object | None:
        cred = RefreshingCredential(cvm_role_fetcher(endpoint, timeout), source="cvm_role")
        try:
            cred.get_credential_info()
        except (OSError, ValueError, KeyError, TencentCloudConfigError):
            return None
        return cred

    return probe


def keyless_sources(metadata_endpoint: str | None = None, timeout: float = 1.0) -> dict[str, KeylessSource]:
    """The key-less sources by name, each with a description of where it looks."""
    endpoint = metadata_endpoint or CVM_METADATA_ENDPOINT
    return {
        "env": ("env", "environment variables TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY", _env),
        "profile": (
            "profile",
            "profile file ~/.tencentcloud/credentials or /etc/tencentcloud/credentials, section [default]",
            _profile,
        ),
        "cvm_role": ("cvm_role", f"CVM instance role at {endpoint}", _cvm(endpoint, timeout)),
        "tke_oidc": (
            "tke_oidc",
            "TKE OIDC: TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE, TKE_ROLE_ARN",
            _tke,
        ),
    }


def find_keyless_credential(source: str | None, *, conn_id: str | None, metadata_endpoint: str | None = None) -> object:
    """A credential from ``source`` (or the whole chain for ``default_chain``/``None``).

    :raises TencentCloudConfigError: naming every place that was looked at.
    """
    sources = keyless_sources(metadata_endpoint)
    names = list(sources) if source in (None, "default_chain") else [source]
    looked: list[str] = []
    for name in names:
        _, where, probe = sources[name]
        cred = probe()
        if cred is not None:
            return cred
        looked.append(where)
    what = f"connection {conn_id!r} has no SecretId" if conn_id else "no connection was given"
    raise TencentCloudConfigError(
        f"No Tencent Cloud credentials: {what}, and nothing was found in: " + "; ".join(looked) + ". "
        "Set login (SecretId) and password (SecretKey) on the connection, or configure one of those sources."
    )
