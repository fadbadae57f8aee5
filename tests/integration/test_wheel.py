"""The built wheel works on its own in a fresh virtualenv outside the source tree; the sdist is the project.

Builds the sdist and checks that it carries the tests, docs, CHANGELOG, example DAGs, benchmarks and CI scripts.
Builds the wheel (``uv build``), checks what it ships (LICENSE, SPDX license, no repository tooling, only the
``testing`` extra, no ``pytest11`` entry point),
installs it with the ``testing`` extra into a new venv under a temporary directory, and from there -
working directory outside the repository, no ``PYTHONPATH`` - runs the emulator's ``--help``, starts the
emulator and adds one picture with ``ImageSearchCreateImageOperator.execute`` through the real SDK signing; and runs a
user's test file there with the pytest plugin's ``tencentcloud_*`` fixtures, enabled by the user's conftest.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from functools import partial
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")
AIRFLOW_VERSION = __import__("airflow").__version__
pytestmark = [pytest.mark.dist, pytest.mark.timeout(900)]

OPERATOR_RUN = """
import base64, json, sys, urllib.request
import airflow_provider_tencent
from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageOperator
from airflow_provider_tencent.testing.images import make_image

class TI:
    def __init__(self):
        self.xcom = {}
    def xcom_push(self, key, value):
        self.xcom[key] = value

url = sys.argv[1]
picture = base64.b64encode(make_image(64, 48, "png", seed=7)).decode()
ti = TI()
op = ImageSearchCreateImageOperator(
    task_id="t", group_id="g1", entity_id="sku-1", pic_name="sku-1-front", image_base64=picture
)
result = op.execute({"ti": ti})
state = json.load(urllib.request.urlopen(url + "/_emulator/state"))
print("@@" + json.dumps({"module": airflow_provider_tencent.__file__, "result": result, "images": state["images"]}))
"""


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "PYTHON", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([str(UV), "build", "-q", "--wheel", "--out-dir", str(out), str(REPO)], check=True, timeout=600)
    (built,) = out.glob("airflow_provider_tencent-*.whl")
    return built


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    subprocess.run([str(UV), "build", "-q", "--sdist", "--out-dir", str(out), str(REPO)], check=True, timeout=600)
    (built,) = out.glob("airflow_provider_tencent-*.tar.gz")
    return built


def test_sdist_carries_the_tests_docs_changelog_and_example_dags(sdist):
    """Every tracked file of these folders and root files is in the sdist (what `make test` needs), no bytecode."""
    with tarfile.open(sdist) as tf:
        names = {name.split("/", 1)[1] for name in tf.getnames() if "/" in name}
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    wanted = ("tests/", "docs/", "dags/", "benchmarks/", "ci/", "dev/", "airflow_provider_tencent/", ".ci/")
    expected = {n for n in tracked if n.startswith(wanted)}
    expected |= {"CHANGELOG.md", "CONTRIBUTING.md", "README.md", "LICENSE", "Makefile", "pyproject.toml"}
    assert len(expected) > 150 and {"tests/conftest.py", "docs/index.rst", "CHANGELOG.md"} <= expected
    assert sorted(expected - names) == []
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.startswith("docs/_build")]


def test_wheel_ships_the_license_and_no_repository_tooling(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        license_text = zf.read(next(n for n in names if n.endswith(".dist-info/licenses/LICENSE"))).decode()
    assert license_text == (REPO / "LICENSE").read_text() and "Apache License" in license_text
    assert "License-Expression: Apache-2.0" in metadata
    for minor in (10, 11, 12, 13):
        assert f"Classifier: Programming Language :: Python :: 3.{minor}" in metadata
    # the provider and its testing helpers only: no repository tooling, tests, benchmarks or example DAGs
    dist_info = next(n for n in names if n.endswith(".dist-info/METADATA")).split("/")[0] + "/"
    assert [n for n in names if not n.startswith(("airflow_provider_tencent/", dist_info))] == []
    assert not [n for n in names if n.endswith(("dag_runner.py", "demo.py"))]
    assert "airflow_provider_tencent/py.typed" in names
    assert "airflow_provider_tencent/testing/pytest_plugin.py" in names
    assert "airflow_provider_tencent/testing/emulator/__main__.py" in names
    # dev / docs / oracle are dependency groups (PEP 735), not published extras: the extras are the testing helpers
    # and the shared quota's Redis client; the plugin is opt-in
    assert sorted(re.findall(r"^Provides-Extra: (.+)$", metadata, re.MULTILINE)) == ["redis", "testing"]
    with zipfile.ZipFile(wheel) as zf:
        entry_points = zf.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    assert "[apache_airflow_provider]" in entry_points and "pytest11" not in entry_points


def test_installed_wheel_runs_the_emulator_and_an_operator_outside_the_repo(wheel, tmp_path):
    venv, work = tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    subprocess.run([str(UV), "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    constraints = REPO / "ci" / "constraints" / f"airflow-{AIRFLOW_VERSION}.txt"
    install = [str(UV), "pip", "install", "-q", "--python", str(python), f"{wheel}[testing]"]
    install += [f"apache-airflow=={AIRFLOW_VERSION}"] + (["-c", str(constraints)] if constraints.exists() else [])
    subprocess.run(install, check=True, timeout=600, cwd=work)
    env = _clean_env(AIRFLOW_HOME=str(tmp_path / "airflow_home"), NO_PROXY="*")

    helped = subprocess.run(
        [str(python), "-m", "airflow_provider_tencent.testing.emulator", "--help"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=120,
    )
    assert helped.returncode == 0 and "--port" in helped.stdout, helped.stderr
    s3_help = subprocess.run(
        [str(python), "-m", "airflow_provider_tencent.testing.s3", "--help"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=120,
    )
    assert s3_help.returncode == 0 and "--port" in s3_help.stdout, s3_help.stderr

    emulator = subprocess.Popen(
        [str(python), "-m", "airflow_provider_tencent.testing.emulator", "--group", "g1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=work,
        env=env,
    )
    try:
        assert emulator.stdout is not None
        url = emulator.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY

        conn = {"conn_type": "tencentcloud", "login": TEST_SECRET_ID, "password": TEST_SECRET_KEY}
        conn["extra"] = {"endpoint_url": url}
        env["AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"] = json.dumps(conn)
        run = subprocess.run(
            [str(python), "-c", OPERATOR_RUN, url], capture_output=True, text=True, cwd=work, env=env, timeout=300
        )
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    line = next(x for x in run.stdout.splitlines() if x.startswith("@@"))
    report = json.loads(line[2:])
    assert report["module"].startswith(str(venv)), report["module"]  # the wheel's copy, not the source tree
    assert report["result"]["status"] == "created"
    assert [(i["PicName"], i["EntityId"]) for i in report["images"]] == [("sku-1-front", "sku-1")]


USER_TESTS = """
import base64

from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageOperator
from airflow_provider_tencent.testing.images import make_image


class TI:
    def xcom_push(self, key, value):
        pass


def test_a_picture_reaches_the_emulator(tencentcloud_conn):
    tencentcloud_conn.emulator.create_group("g1")
    picture = base64.b64encode(make_image(64, 48, "png")).decode()
    op = ImageSearchCreateImageOperator(task_id="t", group_id="g1", entity_id="e1", pic_name="p1", image_base64=picture)
    assert op.execute({"ti": TI()})["status"] == "created"
    assert [i["PicName"] for i in tencentcloud_conn.emulator.images("g1")] == ["p1"]


def test_a_bucket_on_the_local_s3(tencentcloud_local_s3, tencentcloud_cos_bucket):
    client = tencentcloud_local_s3.client()
    client.put_object(Bucket=tencentcloud_cos_bucket, Key="k", Body=b"v")
    assert client.get_object(Bucket=tencentcloud_cos_bucket, Key="k")["Body"].read() == b"v"
"""


def test_pytest_plugin_listed_in_conftest_gives_the_prefixed_fixtures_outside_the_repo(wheel, tmp_path):
    venv, work = tmp_path / "venv", tmp_path / "work"
    work.mkdir()
    subprocess.run([str(UV), "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    constraints = REPO / "ci" / "constraints" / f"airflow-{AIRFLOW_VERSION}.txt"
    install = [str(UV), "pip", "install", "-q", "--python", str(python), f"{wheel}[testing]"]
    install += [f"apache-airflow=={AIRFLOW_VERSION}"] + (["-c", str(constraints)] if constraints.exists() else [])
    subprocess.run(install, check=True, timeout=600, cwd=work)
    (work / "test_user_dag.py").write_text(USER_TESTS)
    env = _clean_env(AIRFLOW_HOME=str(tmp_path / "airflow_home"), NO_PROXY="*")
    # no entry point: without the conftest line, the fixtures are not there
    user_tests = partial(
        subprocess.run,
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_user_dag.py"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=600,
    )
    bare = user_tests()
    assert bare.returncode != 0 and "fixture 'tencentcloud_conn' not found" in bare.stdout, bare.stdout[-3000:]
    (work / "conftest.py").write_text('pytest_plugins = ["airflow_provider_tencent.testing.pytest_plugin"]\n')
    run = user_tests()
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout[-3000:] + run.stderr[-3000:]
    fixtures = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--fixtures", "test_user_dag.py"],
        capture_output=True,
        text=True,
        cwd=work,
        env=env,
        timeout=600,
    )
    listed = set(re.findall(r"^(\w+)", fixtures.stdout, re.MULTILINE))
    assert {"tencentcloud_emulator", "tencentcloud_local_s3", "tencentcloud_cos_bucket"} <= listed, fixtures.stdout
    assert not listed & {"local_s3", "cos_bucket", "emulator"}, fixtures.stdout
