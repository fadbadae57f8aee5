"""Picture facts read from the first bytes of a file: format and pixel size.

Pure Python and dependency-free, so operators can check the API references' picture rules before any
API call without importing an imaging library. Only the formats the two APIs talk about are
recognised (PNG, JPEG, BMP, and GIF so that it can be refused by name).
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass

from airflow_provider_tencent.contracts import ImageRules


@dataclass(frozen=True)
class ImageInfo:
    format: str | None
    """``png``, ``jpeg``, ``bmp``, ``gif``, or ``None`` when the bytes are no known picture."""
    width: int | None
    height: int | None
    size: int
    """Length of the raw bytes."""

    @property
    def base64_size(self) -> int:
        return 4 * ((self.size + 2) // 3)


@dataclass(frozen=True)
class ImageProblem:
    """A picture that breaks a rule: which rule, the limit and what was found."""

    rule: str
    limit: str
    actual: str

    def describe(self, what: str) -> str:
        return f"{what}: {self.rule} must be {self.limit}, got {self.actual}"


def base64_size(raw_size: int) -> int:
    """Length of the base64 text of ``raw_size`` bytes (with padding)."""
    return 4 * ((raw_size + 2) // 3)


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    n = len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None


def inspect(data: bytes) -> ImageInfo:
    """Format and pixel size of ``data`` (width/height ``None`` when the header is unreadable)."""
    size = len(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo("png", width, height, size)
    if data.startswith(b"\xff\xd8"):
        dims = _jpeg_size(data)
        width, height = dims or (None, None)
        return ImageInfo("jpeg", width, height, size)
    if data.startswith(b"BM") and len(data) >= 26:
        width, height = struct.unpack("<ii", data[18:26])
        return ImageInfo("bmp", abs(width), abs(height), size)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo("gif", width, height, size)
    return ImageInfo(None, None, None, size)


def decode_base64(text: str) -> bytes:
    """Bytes of a base64 text, accepting a ``data:image/...;base64,`` prefix."""
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    return base64.b64decode(text, validate=False)


def check(info: ImageInfo, rules: ImageRules) -> list[ImageProblem]:
    """Every rule of ``rules`` that ``info`` breaks (empty when the picture is acceptable).

    An empty picture gives only its ``content`` problem; the format and sizes come next, then the
    dimensions (when the header gave them; a header of an allowed format that could not be read is
    itself a problem).
    """
    if info.size == 0:
        return [ImageProblem("content", "a non-empty picture", "0 bytes")]
    problems = _file_problems(info, rules)
    if info.width is None or info.height is None:
        if info.format in rules.formats:
            problems.append(ImageProblem("header", "a readable picture header", "unreadable"))
        return problems
    return problems + _shape_problems(info.width, info.height, rules)


def _file_problems(info: ImageInfo, rules: ImageRules) -> list[ImageProblem]:
    """The format, file size and base64 size rules that ``info`` breaks."""
    problems: list[ImageProblem] = []
    if info.format not in rules.formats:
        allowed = "/".join(f.upper() for f in rules.formats)
        found = info.format.upper() if info.format else "not a recognised picture"
        problems.append(ImageProblem("format", allowed, found))
    if rules.max_bytes is not None and info.size > rules.max_bytes:
        problems.append(ImageProblem("file size", f"<= {rules.max_bytes} bytes", f"{info.size} bytes"))
    if rules.max_base64_bytes is not None and info.base64_size > rules.max_base64_bytes:
        problems.append(ImageProblem("base64 size", f"<= {rules.max_base64_bytes} bytes", f"{info.base64_size} bytes"))
    return problems


def _shape_problems(width: int, height: int, rules: ImageRules) -> list[ImageProblem]:
    """The resolution, smallest side, aspect ratio and elongation rules a ``width`` x ``height`` picture breaks."""
    problems: list[ImageProblem] = []
    dims = f"{width}x{height}"
    if rules.max_width is not None and rules.max_height is not None:
        if width > rules.max_width or height > rules.max_height:
            problems.append(ImageProblem("resolution", f"<= {rules.max_width}x{rules.max_height}", dims))
    if rules.min_side is not None and min(width, height) < rules.min_side:
        problems.append(ImageProblem("width and height", f">= {rules.min_side} px each", dims))
    if rules.min_aspect is not None and rules.max_aspect is not None and height:
        ratio = width / height
        if not (rules.min_aspect - 1e-9 <= ratio <= rules.max_aspect + 1e-9):
            problems.append(
                ImageProblem(
                    "aspect ratio (width:height)",
                    f"between 1:{1 / rules.min_aspect:g} and {rules.max_aspect:g}:1",
                    f"{dims} = {ratio:.3g}:1",
                )
            )
    if rules.elongation_below is not None:
        long_side, short_side = max(width, height), min(width, height)
        if short_side == 0 or long_side / short_side >= rules.elongation_below:
            elongation = f"{long_side / short_side:.3g}:1" if short_side else "infinite"
            problems.append(
                ImageProblem(
                    "aspect ratio (long:short side)", f"under {rules.elongation_below:g}:1", f"{dims} = {elongation}"
                )
            )
    return problems
