"""The pictures Image Search accepts: where the bytes come from, the format, size and colour checks, and the
emulator's own similarity of two pictures (used by ``CreateImage``, ``SearchImage``; see :mod:`.models`).

Rules (the CreateImage API reference): base64 at most 5 MB, PNG/JPG/JPEG/BMP, no GIF, at most 4096x4096;
with subject detection in a product image search gallery at most 2000x2000 and an aspect ratio under 10.
The similarity (:func:`picture_hash`, :func:`similarity`) is the emulator's own choice: a 16x16 grey
average hash (256 bits), Score = 100 * (1 - 2 * hamming / 256) floored at 0, so the same picture scores
100 and chance agreement (half the bits) 0.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from airflow_provider_tencent.testing.emulator.core import ApiError, download, open_picture, picture_format

MB = 1024 * 1024
MAX_BASE64 = 5 * MB
MAX_SIDE = 4096
DETECT_MAX_SIDE = 2000
DETECT_ELONGATION = 10
FORMATS = ("png", "jpeg", "bmp")
HASH_SIDE = 16
HASH_BITS = HASH_SIDE * HASH_SIDE


def image_bytes(body: dict[str, Any], download_timeout: float) -> bytes:
    """The picture's bytes: downloaded from ``ImageUrl`` (preferred when both are given) or decoded from
    ``ImageBase64``; the document's error code when neither gives a picture within 5 MB of base64."""
    if body.get("ImageUrl"):  # preferred when both are given
        data = download(
            body["ImageUrl"],
            MAX_BASE64,
            "ImageUrl",
            "FailedOperation.ImageUrlInvalid",
            "FailedOperation.ImageDownloadError",
            download_timeout,
        )
        if (len(data) + 2) // 3 * 4 > MAX_BASE64:
            raise ApiError(
                "FailedOperation.ImageSizeExceed", f"The picture is over {MAX_BASE64} bytes once base64 encoded."
            )
        if not data:
            raise ApiError("FailedOperation.EmptyImageError", "The picture downloaded from ImageUrl is empty.")
        return data
    text = body.get("ImageBase64")
    if text is None:
        raise ApiError("MissingParameter.ErrorParameterEmpty", "ImageUrl or ImageBase64 is required.")
    if len(text) > MAX_BASE64:
        raise ApiError(
            "FailedOperation.ImageSizeExceed",
            f"ImageBase64 is {len(text)} bytes; at most {MAX_BASE64} are allowed.",
        )
    if not text:
        raise ApiError("FailedOperation.EmptyImageError", "ImageBase64 is empty.")
    try:
        # plain base64 only: a "data:image/...;base64," prefix is not base64 and is refused
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError("FailedOperation.ImageDecodeFailed", "ImageBase64 is not valid base64.") from None
    if not data:
        raise ApiError("FailedOperation.EmptyImageError", "ImageBase64 holds no data.")
    return data


def check_picture(data: bytes, detect: bool) -> tuple[int, int]:
    """``(width, height)`` of a picture Image Search accepts; raises the document's code otherwise."""
    picture = open_picture(data)
    fmt = picture_format(picture)
    if picture is None or fmt is None:
        raise ApiError("FailedOperation.ImageDecodeFailed", "The data is not a picture.")
    if fmt not in FORMATS:
        raise ApiError(
            "InvalidParameter.ImageFormatNotSupport", f"{fmt.upper()} is not supported; use PNG, JPG, JPEG or BMP."
        )
    width, height = picture.size
    check_resolution(width, height, detect)  # from the header, before decoding
    try:
        picture.load()
        extrema = picture.convert("RGB").getextrema()
    except Exception:
        raise ApiError("FailedOperation.ImageDecodeFailed", f"The {fmt.upper()} picture cannot be decoded.") from None
    if all(low == high for low, high in extrema):
        raise ApiError("InvalidParameter.PictureSolidColorError", "The picture is a single colour.")
    return width, height


def check_resolution(width: int, height: int, detect: bool) -> None:
    """Refuse a picture over the side limit (2000 with subject detection, else 4096) or, with subject
    detection, an aspect ratio of 10 or more."""
    side = DETECT_MAX_SIDE if detect else MAX_SIDE
    where = " (subject detection in a product image search gallery)" if detect else ""
    if width > side or height > side:
        raise ApiError("FailedOperation.ImageResolutionExceed", f"{width}x{height} is over {side}x{side}{where}.")
    long_side, short_side = max(width, height), min(width, height)
    if detect and (not short_side or long_side >= DETECT_ELONGATION * short_side):
        raise ApiError(
            "FailedOperation.ImageResolutionExceed",
            f"{width}x{height}: the aspect ratio must be under {DETECT_ELONGATION}:1{where}.",
        )


def searched_area(data: bytes, rect: dict[str, int] | None, width: int, height: int) -> bytes:
    """The picture to search with: ``data`` cropped to ``rect`` (clipped to the picture) as PNG, or
    ``data`` itself when there is no rect, the picture does not open, or the clipped area is empty."""
    if rect is None:
        return data
    picture = open_picture(data)
    if picture is None:
        return data
    x2, y2 = min(width, rect["X"] + rect["Width"]), min(height, rect["Y"] + rect["Height"])
    if x2 <= rect["X"] or y2 <= rect["Y"]:
        return data
    out = io.BytesIO()
    picture.convert("RGB").crop((rect["X"], rect["Y"], x2, y2)).save(out, "PNG")
    return out.getvalue()


def picture_hash(data: bytes) -> int:
    """A 256-bit average hash: 16x16 grey boxes, each bit "brighter than the mean"."""
    picture = open_picture(data)
    if picture is None:
        return 0
    grey = picture.convert("L").resize((HASH_SIDE, HASH_SIDE), resample=4)  # 4: PIL BOX filter
    pixels = grey.tobytes()
    mean = sum(pixels) / len(pixels)
    bits = 0
    for value in pixels:
        bits = (bits << 1) | (1 if value > mean else 0)
    return bits


def similarity(a: int, b: int) -> int:
    """0-100: 100 the same picture, 0 no more alike than chance."""
    distance = (a ^ b).bit_count()
    return max(0, round(100 * (1 - 2 * distance / HASH_BITS)))
