"""Pytest fixtures for the Tencent Cloud API emulator.

Re-exported by the plugin :mod:`airflow_provider_tencent.testing.pytest_plugin`, so any project that installs
the provider with its ``testing`` extra and lists that plugin in ``pytest_plugins`` gets:

* ``tencentcloud_emulator``: the session's :class:`~airflow_provider_tencent.testing.emulator.Emulator`
  on a free loopback port, reset (no galleries, pictures, elements, counters, faults or temporary
  keys; default QPS scale, latency and clock) before each test that uses it;
* ``tencentcloud_conn``: the connection ``tencentcloud_default`` pointing at it, set as the
  environment variable ``AIRFLOW_CONN_TENCENTCLOUD_DEFAULT`` for the test only;
* :func:`connection_json`, to build variants of that connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY, TEST_SUB_APP_ID
from airflow_provider_tencent.testing.extra import require_testing_extra

require_testing_extra("airflow_provider_tencent.testing.emulator_fixtures", ("pytest",))

import pytest  # noqa: E402 - after the check above

if TYPE_CHECKING:
    from airflow_provider_tencent.testing.emulator import Emulator

__all__ = [
    "EmulatorConnection",
    "connection_json",
    "tencentcloud_conn",
    "tencentcloud_emulator",
    "tencentcloud_emulator_server",
]

DEFAULT_CONN_ID = "tencentcloud_default"
CONN_ENV = "AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"


def connection_json(
    emulator: Emulator | str,
    *,
    login: str = TEST_SECRET_ID,
    password: str = TEST_SECRET_KEY,
    **extra_overrides: Any,
) -> str:
    """The JSON form of a ``tencentcloud`` connection to ``emulator`` (an Emulator or its URL).

    Fast retries and short timeouts, so failing tests fail quickly: ``max_attempts`` 4,
    ``backoff_base`` 0.01 s, ``backoff_max`` 0.05 s, ``read_timeout`` 5 s, ``connect_timeout`` 2 s; and
    ``sub_app_id`` :data:`~airflow_provider_tencent.testing.TEST_SUB_APP_ID` (the AIGC generation actions
    require a VOD application id).
    ``extra_overrides`` replace or add extras (``role_arn=...``, ``read_timeout=1``...); an
    override of ``None`` removes that extra.
    """
    url = emulator if isinstance(emulator, str) else emulator.url
    extra: dict[str, Any] = {
        "endpoint_url": url,
        "max_attempts": 4,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "read_timeout": 5,
        "connect_timeout": 2,
        "sub_app_id": TEST_SUB_APP_ID,
    }
    extra.update(extra_overrides)
    extra = {k: v for k, v in extra.items() if v is not None}
    return json.dumps({"conn_type": "tencentcloud", "login": login, "password": password, "extra": extra})


@dataclass(frozen=True)
class EmulatorConnection:
    """What ``tencentcloud_conn`` returns: the connection id and the emulator behind it."""

    conn_id: str
    emulator: Emulator

    @property
    def url(self) -> str:
        return self.emulator.url


@pytest.fixture(scope="session")
def tencentcloud_emulator_server() -> Iterator[Emulator]:
    """One emulator per test session, on a free loopback port (stopped at the end of the session)."""
    from airflow_provider_tencent.testing.emulator import Emulator

    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def tencentcloud_emulator(tencentcloud_emulator_server: Emulator) -> Emulator:
    """The session's emulator, reset for this test: state, counters, faults and settings."""
    tencentcloud_emulator_server.reset(settings=True)
    return tencentcloud_emulator_server


@pytest.fixture
def tencentcloud_conn(tencentcloud_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> EmulatorConnection:
    """``tencentcloud_default`` pointing at the emulator, as ``AIRFLOW_CONN_TENCENTCLOUD_DEFAULT``."""
    monkeypatch.setenv(CONN_ENV, connection_json(tencentcloud_emulator))
    return EmulatorConnection(DEFAULT_CONN_ID, tencentcloud_emulator)
