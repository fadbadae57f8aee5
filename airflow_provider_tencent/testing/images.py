"""Sample pictures for tests and the demo (Pillow): noisy, never a solid colour, small files.

* :func:`make_image`: a valid picture of any size and format, with varied content;
* :func:`solid_image`: a picture of one colour (refused by Image Search);
* :func:`pad_to`: a valid picture grown to an exact file size (for size-limit tests: decoders
  ignore bytes after the end of the image data).
"""

from __future__ import annotations

import io
import random
from typing import Any

FORMATS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "bmp": "BMP", "gif": "GIF", "webp": "WEBP", "tiff": "TIFF"}
"""Formats :func:`make_image` writes (``webp`` and ``tiff`` only when Pillow was built with them)."""


def make_image(width: int, height: int, fmt: str = "png", seed: int = 0) -> bytes:
    """A ``width`` x ``height`` picture in ``fmt`` (png, jpeg, bmp, gif, ...) with varied content.

    A random grid of up to 16x16 colour cells, scaled up without smoothing: varied enough for every
    "not a solid colour" check (any picture of at least two pixels has at least two colours), yet
    it compresses well, so even a 4096-pixel-wide PNG stays small. The same arguments give the
    same bytes; another ``seed`` gives another picture.
    """
    from PIL import Image

    if width < 1 or height < 1:
        raise ValueError(f"a picture needs at least 1x1 pixels, got {width}x{height}")
    rng = random.Random(seed * 7919 + width * 31 + height)
    cells_x, cells_y = min(16, width), min(16, height)
    colours = [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(cells_x * cells_y)]
    if len(colours) > 1:
        # never one colour: the second cell is the complement of the first
        colours[1] = tuple(255 - c for c in colours[0])  # type: ignore[assignment]
    grid = Image.new("RGB", (cells_x, cells_y))
    grid.putdata(colours)
    picture = grid.resize((width, height), Image.Resampling.NEAREST)
    return _encode(picture, fmt)


def solid_image(width: int, height: int, fmt: str = "png", colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A picture of one colour only (Image Search answers ``InvalidParameter.PictureSolidColorError``)."""
    from PIL import Image

    return _encode(Image.new("RGB", (width, height), colour), fmt)


def pad_to(data: bytes, size: int) -> bytes:
    """``data`` followed by zero bytes up to exactly ``size`` bytes (still a decodable picture)."""
    if size < len(data):
        raise ValueError(f"cannot pad {len(data)} bytes down to {size}")
    return data + b"\0" * (size - len(data))


def _encode(picture: Any, fmt: str) -> bytes:
    try:
        pil_format = FORMATS[fmt.lower()]
    except KeyError:
        raise ValueError(f"format must be one of {sorted(FORMATS)}, got {fmt!r}") from None
    out = io.BytesIO()
    picture.save(out, format=pil_format)
    return out.getvalue()
