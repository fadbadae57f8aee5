"""Everything a ``tencentcloud`` Airflow connection can say, parsed once into a dataclass.

The hook never reads ``conn.extra`` itself: it asks :meth:`TencentConnection.from_connection`.
Extras are accepted both plain (``region``) and with the form prefix the UI may add
(``extra__tencentcloud__region``). Every value is type-checked here, and a bad one raises
:class:`~airflow_provider_tencent.exceptions.TencentCloudConfigError` naming the field.

The SecretKey and the session token are registered with Airflow's secrets masker as soon as
they are read, and they are excluded from ``repr``.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_tencent.contracts.common import REGIONS
from airflow_provider_tencent.contracts.connection import (
    CONN_TYPE,
    CREDENTIAL_SOURCES,
    DEFAULT_LANGUAGE,
    DEFAULT_REGION,
    LANGUAGES,
)
from airflow_provider_tencent.contracts.connection import (
    DEFAULT_CONN_ID as DEFAULT_CONN_ID,  # re-exported: where the hooks and operators read it
)
from airflow_provider_tencent.exceptions import TencentCloudConfigError
from airflow_provider_tencent.utils.secrets import register_secret

if TYPE_CHECKING:
    from airflow.sdk import Connection


log = logging.getLogger(__name__)

#: What a region name looks like (all the built-in ones do: ``ap-guangzhou``, ``ap-shanghai-fsi``,
#: ``na-siliconvalley``): a two-letter area, then lower-case words joined by ``-``, perhaps a number last.
#: A name of that shape outside :data:`REGIONS` is accepted with a warning (Tencent opens regions before the
#: provider's list is updated); any other is a typo, refused.
REGION_PATTERN = re.compile(r"[a-z]{2}(?:-[a-z]+)+(?:-[0-9]+)?")

#: Largest connect/read timeout accepted, in seconds.
MAX_TIMEOUT = 3600.0
#: Largest backoff accepted, in seconds.
MAX_BACKOFF = 600.0
#: Largest ``max_attempts`` accepted.
MAX_ATTEMPTS = 100


def unreadable_env_connection(conn_id: str) -> str | None:
    """Why ``AIRFLOW_CONN_<ID>`` is set but Airflow found no connection in it, or ``None``.

    Some Airflow releases (3.1) answer "not found" for an environment connection they cannot parse:
    without this, the hook would silently fall back to key-less credentials.
    """
    import os
    from types import SimpleNamespace

    text = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if not text or not text.lstrip().startswith("{"):
        return None
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"Connection {conn_id!r}: AIRFLOW_CONN_{conn_id.upper()} is not valid JSON ({exc.msg})"
    if isinstance(spec, dict):
        try:
            _extra_dict(SimpleNamespace(conn_id=conn_id, extra=spec.get("extra")))  # type: ignore[arg-type]
        except TencentCloudConfigError as exc:
            return f"{exc}"
    return f"Connection {conn_id!r}: AIRFLOW_CONN_{conn_id.upper()} is set, but Airflow could not read it"


def _extra_dict(conn: Connection) -> dict[str, Any]:
    """The connection's extras. Invalid JSON is refused (Airflow's ``extra_dejson`` would log it and
    answer ``{}``: the hook would then call the public host with the connection's keys)."""
    text = getattr(conn, "extra", None)
    if isinstance(text, str) and text.strip():
        try:
            raw: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TencentCloudConfigError(
                f"Connection {conn.conn_id!r}: extra is not valid JSON ({exc.msg} at line {exc.lineno} column "
                f"{exc.colno}); fix it in the connection"
            ) from None
    elif isinstance(text, dict):
        raw = text
    else:
        raw = conn.extra_dejson if hasattr(conn, "extra_dejson") and not isinstance(text, str) else {}
    if not isinstance(raw, dict):
        raise TencentCloudConfigError(
            f"Connection {conn.conn_id!r}: extra must be a JSON object, got a JSON {type(raw).__name__}"
        )
    prefix = f"extra__{CONN_TYPE}__"
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = key[len(prefix) :] if key.startswith(prefix) else key
        if value in ("", None):
            continue
        out[name] = value
    return out


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0


@dataclass(frozen=True)
class RetrySettings:
    """Our own retries (tenacity): exponential backoff with full jitter."""

    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 20.0


def _timeouts(get: _Getter) -> Timeouts:
    """``connect_timeout`` and ``read_timeout``, each defaulting to ``timeout``, then to :class:`Timeouts`'s."""
    timeout = get.number("timeout", maximum=MAX_TIMEOUT)
    return Timeouts(
        connect=_first(get.number("connect_timeout", maximum=MAX_TIMEOUT), timeout, Timeouts.connect),
        read=_first(get.number("read_timeout", maximum=MAX_TIMEOUT), timeout, Timeouts.read),
    )


def _retry_settings(get: _Getter) -> RetrySettings:
    """``max_attempts``, ``backoff_base`` and ``backoff_max``, each defaulting to :class:`RetrySettings`'s."""
    return RetrySettings(
        max_attempts=_first(get.integer("max_attempts", maximum=MAX_ATTEMPTS), RetrySettings.max_attempts),
        backoff_base=_first(get.number("backoff_base", maximum=MAX_BACKOFF), RetrySettings.backoff_base),
        backoff_max=_first(get.number("backoff_max", maximum=MAX_BACKOFF), RetrySettings.backoff_max),
    )


def _endpoints(get: _Getter, conn_id: str | None, host: str | None) -> tuple[str | None, dict[str, str]]:
    """``(endpoint_url, endpoints)``: the extra ``endpoint_url`` (else the connection's host) as a base URL,
    and the per-service overrides (``endpoints``, then ``<service>_endpoint``), a URL or path one checked
    as a base URL and a bare host kept as it is."""
    endpoint_url = get.text("endpoint_url") or (host or None)
    if endpoint_url:
        endpoint_url = _base_url(conn_id, "endpoint_url", endpoint_url)
    endpoints = get.mapping("endpoints")
    for service in ("tiia", "vod", "sts"):
        if value := get.text(f"{service}_endpoint"):
            endpoints[service] = value
    for service, value in endpoints.items():
        if "://" in value or "/" in value:
            endpoints[service] = _base_url(conn_id, f"{service} endpoint", value)
    return endpoint_url, endpoints


def _credential_source(get: _Getter, conn_id: str | None) -> str | None:
    """The extra ``credential_source`` (``None`` when absent); :class:`TencentCloudConfigError` outside
    :data:`CREDENTIAL_SOURCES`."""
    credential_source = get.text("credential_source")
    if credential_source and credential_source not in CREDENTIAL_SOURCES:
        raise TencentCloudConfigError(
            f"Connection {conn_id!r}: credential_source must be one of {', '.join(CREDENTIAL_SOURCES)}, "
            f"got {credential_source!r}"
        )
    return credential_source


def _language(get: _Getter, conn_id: str | None) -> str:
    """The extra ``language`` (default :data:`DEFAULT_LANGUAGE`); :class:`TencentCloudConfigError` outside
    :data:`LANGUAGES`."""
    language = get.text("language") or DEFAULT_LANGUAGE
    if language not in LANGUAGES:
        raise TencentCloudConfigError(
            f"Connection {conn_id!r}: language must be one of {', '.join(LANGUAGES)}, got {language!r}"
        )
    return language


@dataclass(frozen=True)
class TencentConnection:
    """A parsed ``tencentcloud`` connection. Build it with :meth:`from_connection`."""

    conn_id: str | None
    secret_id: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    region: str = DEFAULT_REGION
    role_arn: str | None = None
    role_session_name: str = "airflow"
    duration_seconds: int = 7200
    credential_source: str | None = None
    endpoint_url: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)
    root_domain: str | None = None
    proxy: str | None = field(default=None, repr=False)
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry: RetrySettings = field(default_factory=RetrySettings)
    language: str = DEFAULT_LANGUAGE
    cos_endpoint_url: str | None = None
    cos_region: str | None = None
    metadata_endpoint: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_connection(cls, conn: Connection | None, region: str | None = None) -> TencentConnection:
        """Parse ``conn`` (``None`` means: no connection, key-less credentials only).

        :raises TencentCloudConfigError: a setting out of its range or choices (naming the connection and
            the setting), or a SecretId without a SecretKey.
        """
        if conn is None:
            return cls(conn_id=None, region=_region(region, "region argument", None), credential_source="default_chain")
        extra = _extra_dict(conn)
        conn_id = conn.conn_id
        get = _Getter(conn_id, extra)

        secret_id = (conn.login or "").strip() or get.text("secret_id")
        secret_key = conn.password or get.text("secret_key")
        token = get.text("token")
        register_secret(secret_key, token)

        timeouts = _timeouts(get)
        retry = _retry_settings(get)
        endpoint_url, endpoints = _endpoints(get, conn_id, conn.host)
        credential_source = _credential_source(get, conn_id)
        language = _language(get, conn_id)
        if secret_id and not secret_key:
            raise TencentCloudConfigError(
                f"Connection {conn_id!r}: SecretId (login) is set but SecretKey (password) is empty"
            )
        return cls(
            conn_id=conn_id,
            secret_id=secret_id,
            secret_key=secret_key,
            token=token,
            region=_region(region, "region argument", conn_id)
            if region
            else _region(get.text("region"), "extra 'region'", conn_id),
            role_arn=get.text("role_arn"),
            role_session_name=get.text("role_session_name") or "airflow",
            duration_seconds=_first(get.integer("duration_seconds", maximum=43_200), 7200),
            credential_source=credential_source,
            endpoint_url=endpoint_url,
            endpoints=endpoints,
            root_domain=get.text("root_domain"),
            proxy=get.text("proxy"),
            timeouts=timeouts,
            retry=retry,
            language=language,
            cos_endpoint_url=get.text("cos_endpoint_url"),
            cos_region=get.text("cos_region"),
            metadata_endpoint=get.text("metadata_endpoint"),
            extra=extra,
        )

    @property
    def credential_description(self) -> str:
        """Where the keys come from, for the log (never a key: at most the role ARN)."""
        if self.secret_id:
            what = "the connection's temporary keys and session token" if self.token else "the connection's keys"
        elif self.credential_source in (None, "default_chain"):
            what = "the key-less default chain (env, profile, cvm_role, tke_oidc)"
        else:
            what = f"the key-less source {self.credential_source}"
        return f"{what}, then the role {self.role_arn}" if self.role_arn else what

    def host_for(self, service: str, default_host: str) -> str:
        """The host name a service is called on (before ``endpoint_url`` is applied)."""
        if service in self.endpoints:
            return self.endpoints[service]
        if self.root_domain:
            return f"{service}.{self.root_domain}"
        return default_host

    def url_for(self, service: str, default_host: str) -> tuple[str, str]:
        """``(scheme, host[:port])`` where ``service`` is called.

        ``endpoint_url`` (one base URL for every service: the emulator, a private gateway) wins,
        then a per-service override (``endpoints`` / ``<service>_endpoint``, a host or a URL),
        then ``root_domain``, then the public host.
        """
        target = self.endpoint_url or self.host_for(service, default_host)
        if "://" in target:
            parts = urlsplit(target)
            return parts.scheme or "https", parts.netloc
        return "https", target


class _Getter:
    """Typed reads of connection extras, with errors that name the field."""

    def __init__(self, conn_id: str | None, extra: dict[str, Any]) -> None:
        self.conn_id = conn_id
        self.extra = extra

    def _fail(self, name: str, expected: str, value: object) -> TencentCloudConfigError:
        return TencentCloudConfigError(
            f"Connection {self.conn_id!r}: extra {name!r} must be {expected}, got {type(value).__name__}"
        )

    def text(self, name: str) -> str | None:
        value = self.extra.get(name)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"{value}"
        if not isinstance(value, str):
            raise self._fail(name, "a string", value)
        return value.strip() or None

    def number(self, name: str, *, maximum: float | None = None) -> float | None:
        """A finite number > 0 (and <= ``maximum``); a numeric text is accepted, a boolean is not."""
        value = self.extra.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            raise self._fail(name, "a number", value)
        try:
            out = float(value)
        except (TypeError, ValueError, OverflowError):
            raise TencentCloudConfigError(
                f"Connection {self.conn_id!r}: extra {name!r} must be a number, got {type(value).__name__} "
                f"{f'{value}'[:30]!r}"
            ) from None
        if not math.isfinite(out) or out <= 0 or (maximum is not None and out > maximum):
            limit = f"a finite number > 0{f' and <= {maximum:g}' if maximum is not None else ''}"
            raise TencentCloudConfigError(f"Connection {self.conn_id!r}: extra {name!r} must be {limit}, got {value!r}")
        return out

    def integer(self, name: str, *, maximum: int | None = None) -> int | None:
        """A whole number >= 1 (and <= ``maximum``): ``0.5`` or ``2.5`` are refused, not rounded."""
        out = self.number(name, maximum=maximum)
        if out is None:
            return None
        if out != int(out) or out < 1:
            raise TencentCloudConfigError(
                f"Connection {self.conn_id!r}: extra {name!r} must be a whole number >= 1, got {self.extra.get(name)!r}"
            )
        return int(out)

    def mapping(self, name: str) -> dict[str, str]:
        value = self.extra.get(name)
        if value is None:
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise self._fail(name, "a JSON object", value) from None
        if not isinstance(value, dict):
            raise self._fail(name, "a JSON object", value)
        return {f"{k}": f"{v}" for k, v in value.items()}


def _region(region: str | None, field: str, conn_id: str | None) -> str:
    """``region`` (:data:`DEFAULT_REGION` when ``None``) when it is one of :data:`REGIONS`, or shaped like one
    (then with a warning).

    :param field: where the value was read, for the messages (``extra 'region'``, ``region argument``).
    :raises TencentCloudConfigError: for a value not shaped like a region name, naming ``field``.
    """
    region = region or DEFAULT_REGION
    if region in REGIONS:
        return region
    where = f"Connection {conn_id!r}: " if conn_id else ""
    if not REGION_PATTERN.fullmatch(region):
        raise TencentCloudConfigError(
            f"{where}{field} {region!r} is not a region name (lower-case words joined by '-', such as "
            f"{DEFAULT_REGION} or ap-shanghai-fsi); known regions: {', '.join(REGIONS)}"
        )
    log.warning(
        "%sregion %r is not one of the %d regions this provider knows (%s): using it as given; a misspelt "
        "region is refused by the API",
        where,
        region,
        len(REGIONS),
        ", ".join(REGIONS),
    )
    return region


def _first(*values: Any) -> Any:
    """The first value that is not ``None`` (a 0 read from the extras is refused before this)."""
    return next(v for v in values if v is not None)


def _base_url(conn_id: str | None, name: str, value: str) -> str:
    """``scheme://host[:port]``. A path, query or fragment is refused: the API is called at the root
    (the SDK would silently drop a path, sending every call somewhere else than meant)."""
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        _ = parts.port  # a non-numeric port raises here
    except ValueError as exc:
        raise TencentCloudConfigError(f"Connection {conn_id!r}: {name} {value!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise TencentCloudConfigError(
            f"Connection {conn_id!r}: {name} must be an http(s) URL such as http://127.0.0.1:9000"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise TencentCloudConfigError(
            f"Connection {conn_id!r}: {name} {value!r} has a path, query or fragment; the API is called at the "
            f"root of a host: give only scheme://host[:port], e.g. {parts.scheme}://{parts.netloc}"
        )
    return f"{parts.scheme}://{parts.netloc}"
