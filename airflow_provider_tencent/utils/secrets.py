"""Secrets, once: masking what is known to be secret, and redacting URLs and texts before they are shown.

* :func:`register_secret`: a SecretKey, session token or temporary key, as soon as it is read -
  registered with Airflow's secrets masker and with :func:`redact_text`. The one masking function
  of the provider (the connection parser, the hooks and the COS filesystem call it).
* :func:`redact_url` / :func:`redact_urls`: a presigned URL is a bearer credential (its query
  string holds the signature and, for temporary keys, the session token). Anything the provider
  logs or raises that may hold a URL goes through them (server messages can echo the image URLs
  they were sent).
* :func:`redact_text`: URLs, credential fields and registered secrets out of any text that is
  shown or stored (failure reasons in XCom, manifests, checkpoints).
* :func:`install_log_filters`: the same on the loggers of the libraries that log whole requests.

Pure: imports nothing of the provider.
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urlsplit, urlunsplit

_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)


def redact_url(url: str) -> str:
    """``url`` without user info, query string and fragment - where signatures and tokens live."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def redact_urls(text: str) -> str:
    """``text`` with every http(s) URL in it passed through :func:`redact_url`.

    Punctuation that ends a sentence after a URL (``.,;:!?)``) is kept as text.
    """

    def replace(match: re.Match[str]) -> str:
        url = match.group(0)
        core = url.rstrip(".,;:!?)")
        return redact_url(core) + url[len(core) :]

    return _URL.sub(replace, text)


# -- secrets -------------------------------------------------------------------------------------
_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
#: Shortest value registered as a secret (shorter ones would blank out ordinary words).
MIN_SECRET_LENGTH = 6
#: JSON fields and HTTP headers whose value is a credential, wherever they appear in a text.
_SECRET_FIELDS = re.compile(
    r"""(?P<name>["']?(?:X-TC-Token|Token|TmpSecretKey|SecretKey|SessionToken|Signature|"""
    r"""x-amz-security-token|x-cos-security-token|q-signature|sign)["']?\s*[:=]\s*)"""
    r"""(?P<quote>["']?)(?P<value>[^"'\s,;&}]+)""",
    re.IGNORECASE,
)
_AUTHORIZATION = re.compile(r"(?P<name>Authorization[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\"'\n]+)", re.IGNORECASE)
REDACTED = "***"


def register_secret(*secrets: str | None) -> None:
    """Remember ``secrets`` for :func:`redact_text` and register them with Airflow's masker.

    Call it as soon as a secret is known - before any request that could log it.
    """
    fresh = [s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH]
    if not fresh:
        return
    install_log_filters()
    with _SECRETS_LOCK:
        _SECRETS.update(fresh)
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - always present on Airflow 3
        return
    for secret in fresh:
        mask_secret(secret)


def redact_text(text: str) -> str:
    """``text`` without URL signatures, credential fields and any registered secret.

    For anything that may be shown or stored: server messages (a gateway may echo a token), log
    lines of the SDK, failure reasons persisted to XCom, manifests and checkpoints.
    """
    out = redact_urls(text)
    out = _AUTHORIZATION.sub(lambda m: m.group("name") + REDACTED, out)
    out = _SECRET_FIELDS.sub(lambda m: m.group("name") + m.group("quote") + REDACTED, out)
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in out:
            out = out.replace(secret, REDACTED)
    return out


class RedactingFilter(logging.Filter):
    """A logging filter that passes every record's text through :func:`redact_text`.

    Installed on the loggers of the libraries that log whole requests at DEBUG (:data:`LOGGERS`):
    the Tencent Cloud SDK (headers with the session token, bodies with presigned URLs, AssumeRole's
    answer with temporary keys), botocore/aiobotocore and urllib3 (object storage requests: the
    security token header, presigned query strings). A filter runs only for records a logger
    emits, so it costs nothing unless DEBUG logging is on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: show nothing of it rather than leak
            message = f"{record.msg!r}"
        record.msg = redact_text(message)
        record.args = None
        return True


SDK_LOGGER = "tencentcloud_sdk_common"
#: Loggers that write requests, answers or credentials at DEBUG (a filter is per logger, not inherited).
LOGGERS = (
    SDK_LOGGER,
    "botocore.auth",
    "botocore.endpoint",
    "botocore.parsers",
    "botocore.hooks",
    "botocore.credentials",
    "botocore.httpsession",
    "botocore.retryhandler",
    "aiobotocore.endpoint",
    "aiobotocore.credentials",
    "aiobotocore.httpsession",
    "urllib3.connectionpool",
    "s3fs",
    "fsspec",
)
_INSTALLED = threading.Event()


def install_log_filters() -> None:
    """Make sure every logger of :data:`LOGGERS` redacts what it logs (idempotent, cheap)."""
    if _INSTALLED.is_set():
        return
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
    _INSTALLED.set()
