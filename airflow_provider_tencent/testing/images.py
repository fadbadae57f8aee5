"""Sample pictures for tests and the demo (Pillow): noisy, never a solid colour, small files."""

from __future__ import annotations

import io
import random


def make_image(width: int, height: int, fmt: str = "png", seed: int = 0) -> bytes:
    """A ``width`` x ``height`` picture in ``fmt`` (png, jpeg, bmp, gif) with varied content.

    A coarse random grid of colours, scaled up: varied enough for every "not solid colour" check,
    yet it compresses well, so even a 4096-pixel-wide PNG stays small.
    """
    from PIL import Image

    rng = random.Random(seed * 7919 + width * 31 + height)
    cells_x, cells_y = max(2, min(16, width)), max(2, min(16, height))
    grid = Image.new("RGB", (cells_x, cells_y))
    grid.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(cells_x * cells_y)])
    picture = grid.resize((width, height), Image.Resampling.NEAREST)
    return _encode(picture, fmt)


def solid_image(width: int, height: int, fmt: str = "png", colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A picture of one colour only (refused by Image Search)."""
    from PIL import Image

    return _encode(Image.new("RGB", (width, height), colour), fmt)


def _encode(picture: object, fmt: str) -> bytes:
    out = io.BytesIO()
    pil_format = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "bmp": "BMP", "gif": "GIF"}[fmt.lower()]
    picture.save(out, format=pil_format)  # type: ignore[attr-defined]
    return out.getvalue()
