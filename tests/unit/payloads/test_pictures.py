"""payloads/pictures.py: the picture of a request, as the API takes it."""

from __future__ import annotations

import base64

from conftest import image_op

from airflow_provider_tencent.testing.images import make_image

PNG = make_image(64, 64, "png", seed=5)


def test_base64_with_line_breaks_is_sent_without_them(provider, context):
    wrapped = base64.encodebytes(PNG).decode()  # 76-column lines, as the base64 tool writes them
    assert "\n" in wrapped
    assert image_op(image_base64=wrapped).execute(context)["status"] == "created"
    assert len(provider.emulator.images("g1")) == 1
