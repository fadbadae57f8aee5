"""Client-side validation, driven by the declared contracts (no network)."""

from __future__ import annotations

import base64
import json

import pytest
from conftest import image_op, put_object

from airflow_provider_tencent.contracts import image_search, vod
from airflow_provider_tencent.exceptions import TencentCloudInputError
from airflow_provider_tencent.operators.vod import VodCreateAigcElementOperator
from airflow_provider_tencent.payloads.image_search import prepare_create_image
from airflow_provider_tencent.payloads.vod import prepare_create_element
from airflow_provider_tencent.testing.images import make_image
from airflow_provider_tencent.validation import field_problems

PNG = make_image(64, 48, "png", seed=1)
B64 = base64.b64encode(PNG).decode()


def item(**over):
    base = {"entity_id": "e1", "pic_name": "p1", "image_base64": B64}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def limit_of(contract, name):
    return contract.field(name).max_chars


@pytest.mark.parametrize(
    ("field", "api"),
    [("entity_id", "EntityId"), ("pic_name", "PicName"), ("custom_content", "CustomContent")],
)
def test_text_limits_at_and_past_the_limit(field, api):
    limit = limit_of(image_search.CREATE_IMAGE, api)
    assert prepare_create_image("g", item(**{field: "x" * limit}), conn_id=None)[api] == "x" * limit
    with pytest.raises(TencentCloudInputError) as err:
        prepare_create_image("g", item(**{field: "x" * (limit + 1)}), conn_id=None)
    assert err.value.field == field
    assert str(limit) in err.value.limit
    assert err.value.actual == f"{limit + 1} characters"
    assert api in str(err.value) and "no request was sent" in str(err.value)


@pytest.mark.parametrize("field", ["entity_id", "pic_name"])
def test_required_fields(field):
    with pytest.raises(TencentCloudInputError, match=f"{field} .* is required"):
        prepare_create_image("g", item(**{field: None}), conn_id=None)
    with pytest.raises(TencentCloudInputError, match="group_id"):
        prepare_create_image("", item(), conn_id=None)


def test_tags_rules():
    ten = {f"k{i}": "v" for i in range(image_search.MAX_TAG_KEYS)}
    params = prepare_create_image("g", item(tags=ten), conn_id=None)
    assert json.loads(params["Tags"]) == ten
    with pytest.raises(TencentCloudInputError, match="11 keys; the limit is 10") as err:
        prepare_create_image("g", item(tags={**ten, "k10": "v"}), conn_id=None)
    assert err.value.field == "tags"
    with pytest.raises(TencentCloudInputError, match="not valid JSON"):
        prepare_create_image("g", item(tags="{bad json"), conn_id=None)
    with pytest.raises(TencentCloudInputError, match="JSON list"):
        prepare_create_image("g", item(tags="[1, 2]"), conn_id=None)


def test_category_and_types():
    assert prepare_create_image("g", item(category_id=5), conn_id=None)["CategoryId"] == 5
    with pytest.raises(TencentCloudInputError, match="one of 0, 1, 2, 3, 4, 5"):
        prepare_create_image("g", item(category_id=6), conn_id=None)
    with pytest.raises(TencentCloudInputError, match="type Integer"):
        prepare_create_image("g", item(category_id="one"), conn_id=None)
    with pytest.raises(TencentCloudInputError, match="type Boolean"):
        prepare_create_image("g", item(enable_detect="yes"), conn_id=None)
    with pytest.raises(TencentCloudInputError, match="type Rect"):
        prepare_create_image("g", item(image_rect="[1, 2]"), conn_id=None)


def test_rendered_template_strings_are_read_as_their_types():
    """What Jinja renders (strings) for an Integer, a Boolean and a Rect reaches the API typed."""
    params = prepare_create_image(
        "g",
        item(category_id="4", enable_detect="False", image_rect='{"x": 1, "y": 2, "width": 30, "height": 40}'),
        conn_id=None,
    )
    assert params["CategoryId"] == 4 and params["EnableDetect"] is False
    assert params["ImageRect"] == {"X": 1, "Y": 2, "Width": 30, "Height": 40}
    with pytest.raises(TencentCloudInputError, match="one of 0, 1, 2, 3, 4, 5"):
        prepare_create_image("g", item(category_id="7"), conn_id=None)


def test_image_sources():
    with pytest.raises(TencentCloudInputError, match="one of image_url, image_base64 or image_path is required"):
        prepare_create_image("g", item(image_base64=None), conn_id=None)
    with pytest.raises(TencentCloudInputError, match="image_url and image_base64"):
        prepare_create_image("g", item(image_url="https://example.com/a.png"), conn_id=None)
    both = prepare_create_image("g", item(image_url="https://example.com/a.png"), conn_id=None, allow_both_sources=True)
    assert both["ImageUrl"] == "https://example.com/a.png" and "ImageBase64" not in both
    with pytest.raises(TencentCloudInputError, match="http"):
        prepare_create_image("g", item(image_base64=None, image_url="ftp://x/a.png"), conn_id=None)


def test_image_content_rules():
    gif = base64.b64encode(make_image(64, 64, "gif", seed=2)).decode()
    with pytest.raises(TencentCloudInputError, match="format must be PNG/JPEG/BMP, got GIF"):
        prepare_create_image("g", item(image_base64=gif), conn_id=None)
    text = base64.b64encode(b"hello, not a picture").decode()
    with pytest.raises(TencentCloudInputError, match="not a recognised picture"):
        prepare_create_image("g", item(image_base64=text), conn_id=None)
    big = base64.b64encode(make_image(4097, 16, "png", seed=3)).decode()
    with pytest.raises(TencentCloudInputError, match=r"resolution must be <= 4096x4096, got 4097x16"):
        prepare_create_image("g", item(image_base64=big), conn_id=None)
    edge = base64.b64encode(make_image(4096, 16, "png", seed=3)).decode()
    assert prepare_create_image("g", item(image_base64=edge), conn_id=None)["ImageBase64"] == edge


def test_base64_size_limit():
    limit = image_search.IMAGE_RULES.max_base64_bytes
    header = make_image(16, 16, "png", seed=4)
    at_limit_raw = header + b"\0" * (limit // 4 * 3 - len(header))
    encoded = base64.b64encode(at_limit_raw).decode()
    assert len(encoded) == limit
    assert prepare_create_image("g", item(image_base64=encoded), conn_id=None)
    over = base64.b64encode(at_limit_raw + b"\0").decode()
    with pytest.raises(TencentCloudInputError, match=f"base64 size must be <= {limit} bytes, got {len(over)} bytes"):
        prepare_create_image("g", item(image_base64=over), conn_id=None)


URL = "https://example.com/front.png"


@pytest.mark.parametrize(
    ("arg", "api"), [("element_name", "ElementName"), ("element_description", "ElementDescription")]
)
def test_element_text_limits(arg, api):
    limit = limit_of(vod.CREATE_AIGC_CUSTOM_ELEMENT, api)
    args = {"element_name": "n", "element_description": "d"}
    args[arg] = "x" * limit
    params = prepare_create_element(args["element_name"], args["element_description"], URL, [URL], conn_id=None)
    assert params[api] == "x" * limit
    args[arg] = "x" * (limit + 1)
    with pytest.raises(TencentCloudInputError, match=f"{limit + 1} characters; the limit is {limit}") as err:
        prepare_create_element(args["element_name"], args["element_description"], URL, [URL], conn_id=None)
    assert err.value.field == arg


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (3, True), (4, False)])
def test_element_reference_count(count, ok):
    refs = [URL] * count
    if ok:
        params = prepare_create_element("n", "d", URL, refs, conn_id=None)
        assert params["ElementReferList"] == [{"ImageUrl": URL}] * count
    else:
        with pytest.raises(TencentCloudInputError, match="element_refer_list") as err:
            prepare_create_element("n", "d", URL, refs, conn_id=None)
        assert err.value.limit in ("1 to 3 items", "required")


def test_element_refer_list_shapes():
    params = prepare_create_element("n", "d", URL, json.dumps([{"ImageUrl": URL}, URL]), conn_id=None)
    assert params["ElementReferList"] == [{"ImageUrl": URL}, {"ImageUrl": URL}]
    with pytest.raises(TencentCloudInputError, match="must be an http"):
        prepare_create_element("n", "d", "/tmp/local.png", [URL], conn_id=None)


@pytest.mark.parametrize(
    ("value", "reading"),
    [
        (None, None),
        ("", None),
        ({}, None),
        ("{}", {}),
        ('{"a": "1"}', {"a": "1"}),
        ({"a": "1"}, {"a": "1"}),
        ("{bad json", "{bad json"),
        ('"text"', "text"),
        ("[1, 2]", [1, 2]),
    ],
)
def test_one_reading_of_tags(value, reading):
    from airflow_provider_tencent.validation import normal_tags

    assert normal_tags(value) == reading


def test_tags_read_the_same_are_the_same_whatever_their_form():
    from airflow_provider_tencent.validation import normal_tags, template_tags

    sent = template_tags({"b": "2", "a": "1"})
    assert sent == '{"a": "1", "b": "2"}'
    assert normal_tags(sent) == normal_tags('{"b":"2","a":"1"}') == normal_tags({"a": "1", "b": "2"})


@pytest.mark.parametrize(
    ("tags", "actual"),
    [("{bad json", "invalid JSON"), ('"text"', "str"), ("[1, 2]", "list"), ("", None), ({}, None), ("{}", None)],
)
def test_tags_problems_name_what_is_wrong(tags, actual):
    from airflow_provider_tencent.validation import tags_problems

    problems = tags_problems(tags)
    assert [p.actual for p in problems] == ([actual] if actual else [])


@pytest.mark.parametrize(
    ("contract", "name", "low", "high", "words"),
    [
        (image_search.SEARCH_IMAGE, "Limit", 1, 100, "1 to 100"),
        (image_search.SEARCH_IMAGE, "Offset", 0, None, ">= 0"),
        (image_search.SEARCH_IMAGE, "MatchThreshold", 0, 100, "0 to 100"),
        (vod.CREATE_AIGC_VIDEO_TASK, "TasksPriority", -10, 10, "-10 to 10"),
    ],
)
def test_integer_ranges_are_checked_once_from_the_contract(contract, name, low, high, words):
    spec = contract.field(name)
    assert (spec.min_value, spec.max_value, spec.value_range) == (low, high, words)

    def problems(value):
        return [(p.field, p.limit, p.actual) for p in field_problems(contract, {name: value}) if p.field == spec.arg]

    assert problems(low) == []
    assert problems(low - 1) == [(spec.arg, words, f"{low - 1}")]
    if high is not None:
        assert problems(high) == []
        assert problems(high + 1) == [(spec.arg, words, f"{high + 1}")]


# -- templated text read through the operators ------------------------------------------------------------
def test_unicode_digit_category_is_an_input_error_naming_it(provider, context):
    with pytest.raises(TencentCloudInputError, match="category_id") as err:
        image_op(image_base64=B64, category_id="²").execute(context)
    assert err.value.field == "category_id"
    assert "CreateImage" not in provider.emulator.counters()


def test_python_repr_of_tags_rect_and_refer_list_is_read(provider, context, tmp_path):
    result = image_op(
        image_base64=B64, tags=repr({"colour": "blue"}), image_rect=repr({"x": 0, "y": 0, "width": 8, "height": 8})
    ).execute(context)
    assert result["status"] == "created"
    assert json.loads(provider.emulator.images("g1")[0]["Tags"]) == {"colour": "blue"}
    refs = [put_object(provider.bucket, f"r/{i}.png", make_image(400, 500, "png", seed=i)) for i in range(2)]
    element_id = VodCreateAigcElementOperator(
        task_id="el",
        element_name="n",
        element_description="d",
        element_frontal_image=refs[0],
        element_refer_list=repr(refs[1:]),
    ).execute(context)
    assert element_id
    with pytest.raises(TencentCloudInputError, match="tojson"):
        image_op(image_base64=B64, pic_name="p2", image_rect="{x: 0").execute(context)
