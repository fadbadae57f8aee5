"""The declared contracts against the two API documents they come from (``../shared/seeds/``).

Every request parameter (name, required, type), every error code, every length limit and the
quota stated in a seed must be in its :class:`~airflow_provider_tencent.contracts.ApiContract`,
and the contract must declare nothing the seed does not name.

Where the seeds are not beside the checkout (a clone without ``../shared``) the module is skipped
with a reason that says so in the summary (``-ra``): the contracts were NOT checked. Under CI
(``CI`` set) missing seeds are an error instead, since CI always has ``../shared``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from airflow_provider_tencent.contracts import tiia, vod

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
TIIA_SEED = SEEDS / "000_b714bb1cacceee71.txt"
VOD_SEED = SEEDS / "003_e4e61f1dd5e83270.txt"
COMMON_PARAMS = {"Action", "Version", "Region"}

if not TIIA_SEED.exists() or not VOD_SEED.exists():
    _MISSING = (
        f"SEED DOCUMENTS NOT FOUND at {SEEDS}: the contracts were NOT checked against the API documents "
        "(put the project's shared/ folder beside the checkout to run these checks)"
    )
    if os.environ.get("CI"):
        raise RuntimeError(_MISSING + "; CI must have them")
    pytestmark = pytest.mark.skip(reason=_MISSING)


def table_rows(text: str) -> list[list[str]]:
    """The cells of every ``a | b | c |`` row (header separators excluded)."""
    rows = []
    for line in text.splitlines():
        if "|" not in line or set(line.replace("|", "").strip()) <= {"-"}:
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def tiia_parameters(text: str) -> dict[str, tuple[bool, str, str]]:
    """``{name: (required, type, description)}`` of the input parameter table (是 = required)."""
    section = text.split("2. 输入参数", 1)[1].split("3. 输出参数", 1)[0]
    return {
        row[0]: (row[1] == "是", row[2], row[3])
        for row in table_rows(section)
        if len(row) >= 4 and row[1] in ("是", "否") and row[0] not in COMMON_PARAMS
    }


def test_tiia_parameters_are_the_seeds():
    seed = tiia_parameters(TIIA_SEED.read_text(encoding="utf-8"))
    contract = tiia.CREATE_IMAGE
    assert set(seed) == {spec.name for spec in contract.fields}
    for name, (required, api_type, _) in seed.items():
        spec = contract.field(name)
        assert (spec.required, spec.api_type) == (required, api_type), name


def test_tiia_limits_are_the_seeds():
    seed = tiia_parameters(TIIA_SEED.read_text(encoding="utf-8"))
    for name, (_, _, description) in seed.items():
        stated = re.search(r"最多支持(\d+)个字符", description)
        assert tiia.CREATE_IMAGE.field(name).max_chars == (int(stated.group(1)) if stated else None), name
    assert "最多不超过10个" in seed["Tags"][2] and tiia.MAX_TAG_KEYS == 10
    assert "最大支持10张图" in seed["EntityId"][2] and tiia.MAX_PICTURES_PER_ENTITY == 10
    rules = tiia.IMAGE_RULES
    assert "不可超过5M" in seed["ImageBase64"][2] and rules.max_base64_bytes == 5 * 1024 * 1024
    assert "4096*4096" in seed["ImageBase64"][2] and (rules.max_width, rules.max_height) == (4096, 4096)
    assert "不支持 GIF" in seed["ImageBase64"][2] and "gif" not in rules.formats
    categories = {int(n) for n in re.findall(r"(\d):[^\x00-\x7f]", seed["CategoryId"][2])}
    assert categories == set(tiia.CREATE_IMAGE.field("CategoryId").choices or ()) == set(tiia.CATEGORIES)


def test_tiia_error_codes_are_the_seeds():
    text = TIIA_SEED.read_text(encoding="utf-8")
    section = text.split("6. 错误码", 1)[1]
    codes = {row[0] for row in table_rows(section) if re.fullmatch(r"[A-Za-z]+(\.[A-Za-z]+)?", row[0])}
    assert len(codes) == 39
    assert codes == set(tiia.CREATE_IMAGE.error_codes)


def test_tiia_quota_is_the_seeds():
    assert re.search(r"默认接口请求频率限制:(\d+)次/秒", TIIA_SEED.read_text(encoding="utf-8")).group(1) == "10"
    assert tiia.CREATE_IMAGE.qps == 10


def test_vod_parameters_limits_and_quota_are_the_seeds():
    text = VOD_SEED.read_text(encoding="utf-8")
    rows = {
        row[0].removesuffix(".N"): row
        for row in table_rows(text)
        if len(row) >= 4 and row[1] in ("Yes", "No") and row[0] not in COMMON_PARAMS
    }
    contract = vod.CREATE_AIGC_CUSTOM_ELEMENT
    assert set(rows) == {spec.name for spec in contract.fields}
    for name, row in rows.items():
        spec = contract.field(name)
        assert (spec.required, spec.api_type) == (row[1] == "Yes", row[2]), name
    assert "cannot exceed 20 characters" in rows["ElementName"][3] and contract.field("ElementName").max_chars == 20
    assert "Up to 100 characters" in rows["ElementDescription"][3]
    assert contract.field("ElementDescription").max_chars == 100
    refer = rows["ElementReferList"][3]
    assert "at least 1 reference image, up to 3" in refer
    assert (contract.field("ElementReferList").min_items, contract.field("ElementReferList").max_items) == (1, 3)
    frontal, rules = rows["ElementFrontalImage"][3], vod.IMAGE_RULES
    assert ".jpg, .jpeg, and .png" in frontal and set(rules.formats) == {"jpeg", "png"}
    assert "must not exceed 10MB" in frontal and rules.max_bytes == 10 * 1024 * 1024
    assert "not less than 300px" in frontal and rules.min_side == 300
    assert "between 1:2.5 and 2.5:1" in frontal and (rules.min_aspect, rules.max_aspect) == (1 / 2.5, 2.5)
    assert "A maximum of 20 requests can be initiated per second" in text and contract.qps == 20
    assert "There is no error code related to the API business logic" in text and contract.errors == ()
