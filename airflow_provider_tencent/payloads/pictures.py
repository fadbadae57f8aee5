"""The picture-source rules shared by every request that carries a picture.

A picture comes from exactly one of ``image_url`` (the service downloads it), ``image_base64``
(plain base64, or a ``data:image/...;base64,`` URI whose prefix is taken off) or ``image_path``
(an ``ObjectStoragePath`` or a ``cos://``/``s3://``/``file://``/local path, read here). Base64 text
and read bytes are checked against the action's picture rules (format by content, size, resolution)
before any call. The steps are separate functions so that a builder reads as the list of them.
:func:`pictures_under` finds the pictures under a prefix (what the batches and DAGs list).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.fs.storage import to_storage_path
from airflow_provider_tencent.validation import Problem, image_problems, raise_if

if TYPE_CHECKING:
    from airflow.sdk import ObjectStoragePath

    from airflow_provider_tencent.contracts import ImageRules

#: The prefix of a base64 image data URI, taken off ``image_base64`` before sending.
DATA_URI = re.compile(r"^data:image/[A-Za-z0-9.+-]+;base64,")
#: The names of the picture sources, in the order they are named in messages.
SOURCES = ("image_url", "image_base64", "image_path")
#: File name endings (lower case) that count as pictures when listing a prefix.
PICTURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")


def path_text(value: Any) -> str | None:
    """``image_path`` as text (an ``ObjectStoragePath`` included); ``None`` when not given."""
    if value is None or value == "":
        return None
    return f"{value}"


def max_raw_bytes(rules: ImageRules) -> int:
    """The largest picture whose base64 text fits the rules' base64 limit (what is read of a path, plus one)."""
    return (rules.max_base64_bytes or 0) // 4 * 3


def strip_data_uri(params: MutableMapping[str, Any], log: Any = None) -> list[Problem]:
    """Take a ``data:image/...;base64,`` prefix off ``ImageBase64``; any other ``data:`` text is a problem."""
    text = params.get("ImageBase64")
    if not (isinstance(text, str) and text.startswith("data:")):
        return []
    match = DATA_URI.match(text)
    if match is None:
        return [
            Problem(
                "image_base64",
                "plain base64 (or a data:image/...;base64, URI)",
                f"{text[:30]!r}",
                "image_base64 starts with 'data:' but is not a base64 image data URI",
            )
        ]
    params["ImageBase64"] = text[match.end() :]
    if log is not None:
        log.info("image_base64: the %r prefix of a data URI was taken off", match.group(0))
    return []


def given_sources(params: Mapping[str, Any], image_path: str | None) -> list[str]:
    """The picture sources given, among :data:`SOURCES` (request keys ``ImageUrl``/``ImageBase64``)."""
    present = ("ImageUrl" in params, "ImageBase64" in params, image_path is not None)
    return [name for name, there in zip(SOURCES, present, strict=True) if there]


def source_problems(sources: list[str], *, allow_both_sources: bool | None = None) -> list[Problem]:
    """Exactly one picture source.

    :param allow_both_sources: ``None`` when the action has no such option; ``True`` accepts several
        sources (the caller then keeps the one the API uses); ``False`` refuses them, hinting at the option.
    """
    if not sources:
        return [
            Problem(
                "image_url",
                "exactly one image source",
                "none",
                "one of image_url, image_base64 or image_path is required",
            )
        ]
    if len(sources) == 1 or allow_both_sources:
        return []
    hint = "" if allow_both_sources is None else " (or allow_both_sources=True: the API then uses only ImageUrl)"
    return [
        Problem(
            sources[1],
            "exactly one image source",
            f"{len(sources)} sources",
            f"{' and '.join(sources)} are all set; give one{hint}",
        )
    ]


def url_problems(params: Mapping[str, Any]) -> list[Problem]:
    """``ImageUrl`` must be an http(s) URL (storage paths go in ``image_path``)."""
    url = params.get("ImageUrl")
    if isinstance(url, str) and not url.startswith(("http://", "https://")):
        return [
            Problem(
                "image_url",
                "an http(s) URL",
                f"{len(url)} characters",  # the size, not the text: a URL may carry a signature
                "image_url (ImageUrl) must be an http(s) URL; use image_path for storage paths",
            )
        ]
    return []


def decode_base64_picture(params: MutableMapping[str, Any], rules: ImageRules, action: str, label: str | None) -> bytes:
    """The bytes of ``ImageBase64``, checked against ``rules`` and the base64 size limit.

    Line breaks in the text (base64 wrapped at 76 columns, as MIME and the ``base64`` tool write
    it) are not part of the data and are taken out of the request too.

    :raises TencentCloudInputError: undecodable text, or a picture that breaks the rules.
    """
    from airflow_provider_tencent.utils.images import decode_base64

    raw = params["ImageBase64"] = "".join(f"{params['ImageBase64']}".split())
    try:
        data = decode_base64(raw)
    except ValueError:
        raise_if(
            [Problem("image_base64", "valid base64", "undecodable", "image_base64 is not valid base64")], action, label
        )
    problems = image_problems("image_base64", data, rules, "base64 data")
    if rules.max_base64_bytes and len(raw) > rules.max_base64_bytes:
        problems.append(
            Problem(
                "image_base64",
                f"<= {rules.max_base64_bytes} bytes",
                f"{len(raw)} bytes",
                f"image_base64 is {len(raw)} bytes; the limit is {rules.max_base64_bytes}",
            )
        )
    raise_if(problems, action, label)
    return data


def read_picture(
    field: str,
    image_path: Any,
    *,
    conn_id: str | None,
    max_bytes: int | None,
    action: str | None = None,
    label: str | None = None,
) -> bytes:
    """The bytes at ``image_path`` (at most ``max_bytes + 1`` of them: enough to tell an oversize picture).

    :raises TencentCloudInputError: naming ``field`` and the path, when it cannot be read.
    """
    from airflow_provider_tencent.fs.storage import read_bytes, to_storage_path

    try:
        return read_bytes(to_storage_path(image_path, conn_id), max_bytes=max_bytes)
    except (FileNotFoundError, OSError) as exc:
        where = f"{action}{f' [{label}]' if label else ''}: " if action else ""
        raise TencentCloudInputError(
            f"{where}{field} {f'{image_path}'!r} cannot be read: {exc}", field=field, item=label
        ) from None


def read_checked_picture(
    image_path: str, rules: ImageRules, *, conn_id: str | None, action: str, label: str | None
) -> bytes:
    """:func:`read_picture` of ``image_path`` (at most the base64 limit allows), checked against ``rules``."""
    data = read_picture(
        "image_path", image_path, conn_id=conn_id, max_bytes=max_raw_bytes(rules), action=action, label=label
    )
    raise_if(image_problems("image_path", data, rules, image_path), action, label)
    return data


def is_picture(path: ObjectStoragePath | str) -> bool:
    """Whether the file name of ``path`` ends in one of :data:`PICTURE_SUFFIXES` (any case)."""
    name = path.name if not isinstance(path, str) else path.rsplit("/", 1)[-1]
    return name.lower().endswith(PICTURE_SUFFIXES)


def pictures_under(prefix: Any, conn_id: str | None) -> list[ObjectStoragePath]:
    """Every picture under ``prefix`` (recursively), in the order of their URIs; none when it does not exist."""
    root = to_storage_path(prefix, conn_id)
    return sorted((p for p in root.rglob("*") if is_picture(p)), key=lambda p: f"{p}")
