"""Deterministic, valid gallery names derived from storage keys.

A storage key is not a safe PicName (it may exceed 64 characters or hold ``/`` and spaces), so
names are derived: the same key always gives the same EntityId and PicName, and a re-run of the
same objects sends the same names - which is what makes re-runs idempotent.

The key given must be the object's identity - its bucket and key, without the connection id that
``str()`` of a ``cos://`` path holds (:func:`airflow_provider_tencent.fs.storage.storage_key`) - so
that a renamed connection derives the same names.
"""

from __future__ import annotations

import hashlib
import posixpath
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def pic_name_for(key: str) -> str:
    """``p-`` and 32 hex characters of the key's SHA-256: unique, stable, 34 characters."""
    return f"p-{_digest(key, 32)}"


def entity_id_for(key: str, rule: str = "stem", max_chars: int = 64) -> str:
    """A readable, stable EntityId: the file's stem (``stem``) or its folder (``parent``).

    Unsafe characters become ``_``; a name that had to be changed or cut gets an 8-character hash
    suffix so two different keys cannot collapse into one EntityId by accident.
    """
    path = key.split("://", 1)[-1].rstrip("/")
    if rule == "parent":
        base = posixpath.basename(posixpath.dirname(path)) or "root"
    elif rule == "stem":
        base = posixpath.splitext(posixpath.basename(path))[0] or "item"
    else:
        raise ValueError(f"entity rule must be 'stem' or 'parent', got {rule!r}")
    safe = _UNSAFE.sub("_", base).strip("_") or "item"
    if safe == base and len(safe) <= max_chars:
        return safe
    return f"{safe[: max_chars - 9]}-{_digest(base, 8)}"
