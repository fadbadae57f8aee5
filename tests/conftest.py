"""Test-wide settings: an isolated AIRFLOW_HOME, no stray proxies (all traffic is loopback)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

_HOME = tempfile.mkdtemp(prefix="airflow-provider-tencent-tests-")
os.environ.setdefault("AIRFLOW_HOME", _HOME)
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
    os.environ.pop(var, None)
os.environ["NO_PROXY"] = "*"


class RecordingTI:
    """The one TaskInstance method the operators call while executing: ``xcom_push``."""

    def __init__(self) -> None:
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


@pytest.fixture
def context():
    return {"ti": RecordingTI()}


@pytest.fixture
def provider(tencentcloud_emulator, tencentcloud_local_s3, tencentcloud_cos_bucket, monkeypatch):
    """Emulator + local S3 + a ``tencentcloud_default`` connection to both, a gallery ``g1``."""
    from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY, TEST_SUB_APP_ID

    extra = {
        "endpoint_url": tencentcloud_emulator.url,
        "cos_endpoint_url": tencentcloud_local_s3.url,
        "max_attempts": 4,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "read_timeout": 1.5,
        "connect_timeout": 1,
        "sub_app_id": TEST_SUB_APP_ID,
    }
    conn = {"conn_type": "tencentcloud", "login": TEST_SECRET_ID, "password": TEST_SECRET_KEY, "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", json.dumps(conn))
    from airflow_provider_tencent.hooks.image_search import ImageSearchHook

    ImageSearchHook().create_group("g1", "test gallery", max_capacity=1000)
    return SimpleNamespace(
        emulator=tencentcloud_emulator, s3=tencentcloud_local_s3, bucket=tencentcloud_cos_bucket, conn=conn, extra=extra
    )


@pytest.fixture
def aigc(provider):
    """The ``provider`` with AIGC tasks that take 0.6 s and one subject, ``12345678901234``."""
    from aigc_fakes import add_element

    provider.emulator.aigc_duration = 0.6
    add_element(provider.emulator)
    return provider


def put_object(bucket: str, key: str, data: bytes) -> str:
    from airflow_provider_tencent.fs.storage import to_storage_path

    uri = f"cos://{bucket}/{key}"
    to_storage_path(uri, "tencentcloud_default").write_bytes(data)
    return uri


#: A CAM role the emulator's STS lets the test keys assume.
ROLE_ARN = "qcs::cam::uin/100000000001:roleName/airflow"


def use_connection(monkeypatch: pytest.MonkeyPatch, conn: dict[str, Any] | str) -> None:
    """Make ``conn`` the ``tencentcloud_default`` connection for this test."""
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", conn if isinstance(conn, str) else json.dumps(conn))


def with_extra(provider: SimpleNamespace, **extra: Any) -> dict[str, Any]:
    """The ``provider`` connection with ``extra`` merged into its extras (``None`` removes one)."""
    merged = {**provider.extra, **extra}
    return dict(provider.conn, extra={k: v for k, v in merged.items() if v is not None})


def image_op(**kwargs: Any) -> Any:
    """An ``ImageSearchCreateImageOperator`` adding picture ``p`` of EntityId ``e`` to gallery ``g1``."""
    from airflow_provider_tencent.operators.image_search import ImageSearchCreateImageOperator

    args = {"task_id": "img", "group_id": "g1", "entity_id": "e", "pic_name": "p", **kwargs}
    return ImageSearchCreateImageOperator(**args)


def upload_subjects(bucket: str, n: int, prefix: str = "s", name: str = "subject-") -> list[dict[str, Any]]:
    """``n`` AIGC subject items, pictures uploaded to ``bucket``: item ``i`` has the frontal picture
    ``<prefix><i>/front.png`` (400x500) and one reference ``<prefix><i>/side.png`` (500x400), both of
    their own content, and the name ``<name><i>``."""
    from airflow_provider_tencent.testing.images import make_image

    items = []
    for s in range(n):
        frontal = put_object(bucket, f"{prefix}{s}/front.png", make_image(400, 500, "png", seed=s))
        ref = put_object(bucket, f"{prefix}{s}/side.png", make_image(500, 400, "png", seed=50 + s))
        items.append(
            {
                "element_name": f"{name}{s}",
                "element_description": "d",
                "element_frontal_image": frontal,
                "element_refer_list": [ref],
            }
        )
    return items


@pytest.fixture
def captured_apart(monkeypatch):
    """A capture list for this test only, kept from the session's oracle check: for a test that asks the
    emulator for an answer the oracles do not allow on purpose (a fault, or a live answer the API metadata
    rules out, such as a null task member while WAITING)."""
    from airflow_provider_tencent.testing.emulator import Emulator

    mine: list[dict[str, Any]] = []
    monkeypatch.setattr(Emulator, "capture", mine)
    return mine


# -- the `server` marker: what `make unit` leaves out (`-m "not server"`) ----------------------------------
# A test is marked when its fixtures reach a server fixture (however indirectly: `provider`, `canary`, ...)
# or when it carries `e2e` / `dist` (an `airflow dags test`, a wheel build). A test that starts a server or
# a Python process by itself says `@pytest.mark.server`; an unmarked test that does either fails, in every
# run (`_in_process_only`), so the fast selection cannot quietly come to need a server.
SERVER_FIXTURES = frozenset({"tencentcloud_emulator_server", "tencentcloud_local_s3"})
SERVER_MARKS = ("server", "e2e", "dist")
_VENV_BIN = Path(sys.executable).parent.absolute()


def needs_server(item: pytest.Item) -> bool:
    """Whether ``item`` reaches a server fixture or carries a marker that implies one."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & SERVER_FIXTURES) or any(item.get_closest_marker(m) for m in SERVER_MARKS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that needs a server (see ``needs_server``) with ``server``."""
    for item in items:
        if needs_server(item) and not item.get_closest_marker("server"):
            item.add_marker(pytest.mark.server)


def starts_python(args: Any) -> bool:
    """Whether a ``Popen(args)`` runs a Python interpreter or a tool of this environment (``airflow``,
    ``uv``): the slow kind of child. A system tool (``platform`` runs ``file`` on first use) is not."""
    argv = [args] if isinstance(args, (str, bytes, os.PathLike)) else list(args)
    program = os.fsdecode(argv[0]).split()[0] if argv else ""
    where = Path(shutil.which(program) or program)
    return where.name.startswith("python") or where.absolute().parent == _VENV_BIN


@contextlib.contextmanager
def _in_process_only(item: pytest.Item) -> Iterator[None]:
    """While an unmarked test runs (its fixtures' set-up included), listening on a socket or starting a
    Python process raises an error naming the test and the marker it lacks."""
    if item.get_closest_marker("server"):
        yield
        return

    def refuse(what: str) -> AssertionError:
        return AssertionError(f"{item.nodeid} {what}: mark it @pytest.mark.server (`make unit` runs without)")

    def listen(self: socket.socket, *args: Any) -> None:
        raise refuse(f"listens on {self.getsockname()}")

    popen_init = subprocess.Popen.__init__

    def start(self: subprocess.Popen[Any], args: Any, *more: Any, **kwargs: Any) -> None:
        if starts_python(args):
            raise refuse(f"starts {args!r:.80}")
        popen_init(self, args, *more, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "listen", listen)
        patch.setattr(subprocess.Popen, "__init__", start)
        yield


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _in_process_only(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _in_process_only(item):
        return (yield)


# -- the two oracles over the whole session (tests/sdk_oracle.py, tests/api_oracle.py) ----------------
def pytest_configure(config: pytest.Config) -> None:
    """Every exchange any emulator in this process answers is captured for the session-end check."""
    from airflow_provider_tencent.testing.emulator import Emulator

    Emulator.capture = None if os.environ.get("NO_ORACLE") else []


def _oracles() -> list[tuple[str, Any]]:
    import api_oracle
    import sdk_oracle

    return [("SDK oracle", sdk_oracle), ("API metadata oracle", api_oracle)]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Check every captured exchange with both oracles: the SDK's ``<Action>Request``/``<Action>Response``
    models and Tencent's API metadata (tccli's ``api.json``: required members, types, nested members).
    Any unknown field, wrong type or missing field fails the run; so does an oracle that is not installed
    when ``TENCENT_ORACLE_REQUIRED`` is set (``make pytest``)."""
    from airflow_provider_tencent.testing.emulator import Emulator

    exchanges = Emulator.capture or []
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    failed = False
    for name, oracle in _oracles():
        if oracle.MISSING:  # a matrix leg that installs the runtime and `testing` extras only
            if reporter is not None:
                reporter.write_line(f"{name}: {oracle.MISSING}", yellow=True)
            failed = failed or bool(os.environ.get("TENCENT_ORACLE_REQUIRED"))
            continue
        problems = oracle.check_exchanges(exchanges)
        if reporter is not None:
            reporter.write_line(f"{name}: {len(exchanges)} exchanges checked, {len(problems)} problems")
            for problem in problems:
                reporter.write_line(f"{name}: {problem}", red=True)
        failed = failed or bool(problems)
    if failed and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
