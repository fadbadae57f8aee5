"""The README: short, its DAGs real, its connection table complete, its links absolute.

* under 1,000 words of prose: everything outside fenced code blocks is counted (tables and headings included),
  the code blocks are not;
* each ``python`` block is, character for character, a DAG file of ``tests/dags/`` (``readme_*.py``), and those
  files parse into DAGs with the expected tasks (a DagBag load, no server; ``tests/unit/test_example_dags.py``
  also renders their templates);
* the connection table names every field the provider declares;
* no relative link (they break on the package index page) and the two repository commands open the
  "Working on this repository" section.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from airflow_provider_tencent.compat import dagbag_class
from airflow_provider_tencent.get_provider_info import get_provider_info

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
README_DAGS = {
    "readme_gallery": {"gallery", "pictures"},
    "readme_video": {"subjects", "video"},
}


def prose(text: str) -> str:
    return FENCE.sub("", text)


def word_count(text: str) -> int:
    return len(re.findall(r"[\w`'<>./:@-]+", text))


def test_the_readme_is_under_1000_words_of_prose():
    assert word_count(prose(README)) < 1000


def test_the_word_count_sees_prose_and_skips_code():
    sample = "one two three\n\n```python\nfour five six\n```\nseven\n"
    assert word_count(prose(sample)) == 4


def test_each_python_block_is_a_readme_dag_file():
    blocks = [body for lang, body in FENCE.findall(README) if lang == "python"]
    files = {p.stem: p.read_text() for p in (REPO / "tests" / "dags").glob("readme_*.py")}
    assert sorted(files) == sorted(README_DAGS)
    assert sorted(blocks) == sorted(files.values())


@pytest.fixture(scope="module")
def readme_bag():
    dags = {}
    for dag_id in README_DAGS:
        bag = dagbag_class()(dag_folder=str(REPO / "tests" / "dags" / f"{dag_id}.py"), safe_mode=False)
        assert bag.import_errors == {}
        dags.update(bag.dags)
    return dags


@pytest.mark.parametrize(("dag_id", "tasks"), sorted(README_DAGS.items()))
def test_the_readme_dags_parse_with_their_tasks(readme_bag, dag_id, tasks):
    assert set(readme_bag[dag_id].task_ids) == tasks


def test_the_readme_video_dag_passes_the_subjects_element_ids(readme_bag):
    from airflow.sdk.definitions._internal.mixins import ResolveMixin

    video = readme_bag["readme_video"].get_task("video")
    assert isinstance(video.element_ids, ResolveMixin)
    assert video.upstream_task_ids == {"subjects"}


def test_the_connection_table_names_every_field():
    (conn,) = (c for c in get_provider_info()["connection-types"] if c["connection-type"] == "tencentcloud")
    section = README.split("## The connection", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\w+)`", section))
    missing = sorted(set(conn["conn-fields"]) - named)
    assert not missing, f"the README's connection table lacks {missing}"
    assert "test_connection()" in section and "AIRFLOW__CORE__TEST_CONNECTION" in section


def test_links_are_absolute():
    """Markdown links and images must work on the package index page, where relative paths break."""
    targets = re.findall(r"\]\(([^)]+)\)", prose(README))
    assert all(t.startswith(("https://", "http://")) for t in targets), targets


def test_the_two_repository_commands_open_their_section():
    section = README.split("## Working on this repository", 1)[1]
    first_block = FENCE.search(section)
    assert first_block is not None
    assert section.index(first_block.group(0)) < 200  # right under the section's opening sentence
    assert re.findall(r"^make (\w+)", first_block.group(2), re.MULTILINE) == ["demo", "test"]
    assert "`.ci/run` calls `make test`" in section
