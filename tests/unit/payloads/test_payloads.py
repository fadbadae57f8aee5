"""The request builders share one set of picture-source rules, and the picture grouping of the AIGC DAGs.

No network: the pictures are base64 text or local files.
"""

from __future__ import annotations

import base64

import pytest

from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.payloads.image_search import prepare_create_image, prepare_search_image
from airflow_provider_tencent.payloads.vod import group_pictures_by_folder
from airflow_provider_tencent.testing.images import make_image

PNG = base64.b64encode(make_image(64, 64, "png", seed=3)).decode()


def create(**item):
    return prepare_create_image("g1", {"entity_id": "e", "pic_name": "p", **item}, conn_id=None)


def search(**item):
    return prepare_search_image("g1", item, conn_id=None)


@pytest.mark.parametrize(
    ("item", "field", "words"),
    [
        ({}, "image_url", "one of image_url, image_base64 or image_path is required"),
        ({"image_url": "https://example.com/a.png", "image_base64": PNG}, "image_base64", "are all set; give one"),
        ({"image_url": "ftp://x/y.png"}, "image_url", r"must be an http\(s\) URL"),
        ({"image_base64": "data:text/plain," + PNG}, "image_base64", "not a base64 image data URI"),
    ],
)
def test_create_and_search_refuse_a_bad_picture_source_alike(item, field, words):
    errors = []
    for build in (create, search):
        with pytest.raises(TencentCloudInputError, match=words) as err:
            build(**item)
        errors.append((err.value.field, err.value.actual))
    assert errors[0] == errors[1] and errors[0][0] == field


def test_search_takes_base64_as_create_does_wrapped_lines_and_data_uri():
    wrapped = "\n".join(PNG[i : i + 76] for i in range(0, len(PNG), 76))
    for text in (wrapped, "data:image/png;base64," + PNG):
        assert search(image_base64=text)["ImageBase64"] == PNG
        assert create(image_base64=text)["ImageBase64"] == PNG


def test_a_picture_path_is_read_and_sent_as_base64_by_both(tmp_path):
    (tmp_path / "a.png").write_bytes(base64.b64decode(PNG))
    assert create(image_path=str(tmp_path / "a.png"))["ImageBase64"] == PNG
    assert search(image_path=str(tmp_path / "a.png"))["ImageBase64"] == PNG
    for build in (create, search):
        with pytest.raises(TencentCloudInputError, match="cannot be read") as err:
            build(image_path=str(tmp_path / "missing.png"))
        assert err.value.field == "image_path"


def test_group_pictures_by_folder(tmp_path):
    for folder, names in {"cat": ["b.png", "a.jpg", "front.PNG", "c.bmp", "d.jpeg"], "dog": ["x.png"]}.items():
        (tmp_path / folder).mkdir()
        for name in names:
            (tmp_path / folder / name).write_bytes(b"x")
    (tmp_path / "cat" / "notes.txt").write_text("not a picture")
    (tmp_path / "empty").mkdir()
    groups = group_pictures_by_folder(str(tmp_path), None, frontal_hint="FRONT")
    assert [
        (folder, frontal.rsplit("/", 1)[-1], [r.rsplit("/", 1)[-1] for r in refs]) for folder, frontal, refs in groups
    ] == [
        ("cat", "front.PNG", ["a.jpg", "b.png", "c.bmp"]),
        ("dog", "x.png", []),
    ]
    # without a hint (or when none matches) the folder's first picture is the frontal one
    assert group_pictures_by_folder(str(tmp_path), None)[0][1].endswith("/a.jpg")
    assert group_pictures_by_folder(str(tmp_path / "nowhere"), None) == []
