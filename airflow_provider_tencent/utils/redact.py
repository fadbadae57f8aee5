"""Take the secret parts out of URLs before they are shown anywhere.

A presigned URL is a bearer credential: its query string holds the signature and, for temporary
keys, the session token. Anything the provider logs or raises that may hold a URL goes through
:func:`redact_urls` (server messages can echo the image URLs they were sent).
"""

from __future__ import annotations

import re
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
