"""The declared contracts match Tencent's API reference pages for ``CreateImage`` and ``CreateAigcCustomElement``.

Every request parameter (name, required, type), every error code, every length limit and the quota
stated on a page must be in its :class:`~airflow_provider_tencent.contracts.ApiContract`, and the contract
must declare nothing the page does not name.

The pages are not part of the repository: this test reads the project's copies of them from the folder
``shared/seeds`` beside the checkout (``../shared/seeds``; CI has it), or from the folder named by
``TENCENT_API_REFERENCE_DIR``. Without them each test is skipped with a reason that says so in the
summary (``-ra``): the contracts were NOT checked. Under CI (``CI`` set) missing pages fail the tests instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_provider_tencent.contracts import image_search, vod

REPO = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
API_REFERENCE = Path(os.environ.get("TENCENT_API_REFERENCE_DIR") or REPO.parent / "shared" / "seeds")
CREATE_IMAGE_PAGE = API_REFERENCE / "000_b714bb1cacceee71.txt"  # Image Search CreateImage (Chinese)
CREATE_AIGC_CUSTOM_ELEMENT_PAGE = API_REFERENCE / "003_e4e61f1dd5e83270.txt"  # VOD CreateAigcCustomElement
COMMON_PARAMS = {"Action", "Version", "Region"}


def read_page(path: Path) -> str:
    """The page's text; a skip (or, under CI, a failure) that names the missing file otherwise."""
    if not path.is_file():
        message = (
            f"API reference page not found: {path}. The contracts were NOT checked against Tencent's API "
            "reference (put the project's shared/ folder beside the checkout, or set TENCENT_API_REFERENCE_DIR)"
        )
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must have it", pytrace=False)
        pytest.skip(message)
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def create_image_page() -> str:
    return read_page(CREATE_IMAGE_PAGE)


@pytest.fixture(scope="module")
def create_aigc_custom_element_page() -> str:
    return read_page(CREATE_AIGC_CUSTOM_ELEMENT_PAGE)


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


def test_create_image_parameters_match_the_api_reference(create_image_page):
    page = tiia_parameters(create_image_page)
    contract = image_search.CREATE_IMAGE
    assert set(page) == {spec.name for spec in contract.fields}
    for name, (required, api_type, _) in page.items():
        spec = contract.field(name)
        assert (spec.required, spec.api_type) == (required, api_type), name


def test_create_image_limits_match_the_api_reference(create_image_page):
    page = tiia_parameters(create_image_page)
    for name, (_, _, description) in page.items():
        stated = re.search(r"最多支持(\d+)个字符", description)
        assert image_search.CREATE_IMAGE.field(name).max_chars == (int(stated.group(1)) if stated else None), name
    assert "最多不超过10个" in page["Tags"][2] and image_search.MAX_TAG_KEYS == 10
    assert "最大支持10张图" in page["EntityId"][2] and image_search.MAX_PICTURES_PER_ENTITY == 10
    rules = image_search.IMAGE_RULES
    assert "不可超过5M" in page["ImageBase64"][2] and rules.max_base64_bytes == 5 * 1024 * 1024
    assert "4096*4096" in page["ImageBase64"][2] and (rules.max_width, rules.max_height) == (4096, 4096)
    assert "不支持 GIF" in page["ImageBase64"][2] and "gif" not in rules.formats
    categories = {int(n) for n in re.findall(r"(\d):[^\x00-\x7f]", page["CategoryId"][2])}
    assert (
        categories == set(image_search.CREATE_IMAGE.field("CategoryId").choices or ()) == set(image_search.CATEGORIES)
    )


def test_create_image_error_codes_match_the_api_reference(create_image_page):
    section = create_image_page.split("6. 错误码", 1)[1]
    codes = {row[0] for row in table_rows(section) if re.fullmatch(r"[A-Za-z]+(\.[A-Za-z]+)?", row[0])}
    assert len(codes) == 39
    assert codes == set(image_search.CREATE_IMAGE.error_codes)


def test_create_image_quota_matches_the_api_reference(create_image_page):
    assert re.search(r"默认接口请求频率限制:(\d+)次/秒", create_image_page).group(1) == "10"
    assert image_search.CREATE_IMAGE.qps == 10


def test_create_aigc_custom_element_matches_the_api_reference(create_aigc_custom_element_page):
    text = create_aigc_custom_element_page
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


# -- what happens without the pages: a plain skip in a clone, a failure under CI ---------------------------
def _run_without_pages(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update(TENCENT_API_REFERENCE_DIR=str(tmp_path), NO_ORACLE="1", **env)
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", __file__]
    command += ["-k", "match_the_api_reference or matches_the_api_reference"]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=environ, timeout=300)


@pytest.mark.server
@pytest.mark.timeout(600)
def test_without_the_pages_each_check_is_skipped_with_a_plain_reason(tmp_path):
    run = _run_without_pages(tmp_path)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "5 skipped" in run.stdout and "passed" not in run.stdout, run.stdout[-2000:]
    assert f"API reference page not found: {tmp_path}" in run.stdout
    assert "contracts were NOT checked" in run.stdout


@pytest.mark.server
@pytest.mark.timeout(600)
def test_without_the_pages_under_ci_the_checks_fail(tmp_path):
    run = _run_without_pages(tmp_path, CI="true")
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    assert "5 errors" in run.stdout and "CI must have it" in run.stdout, run.stdout[-2000:]
