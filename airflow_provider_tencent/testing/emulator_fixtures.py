"""Pytest fixtures for the emulator (re-exported by the plugin ``airflow_provider_tencent.testing.pytest_plugin``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY

__all__ = ["connection_json", "tencentcloud_conn", "tencentcloud_emulator", "tencentcloud_emulator_server"]


def connection_json(emulator: Any, **extra: Any) -> str:
    """The JSON form of a ``tencentcloud`` connection to ``emulator`` (fast retries, short timeouts)."""
    options = {
        "endpoint_url": emulator.url,
        "max_attempts": 4,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "read_timeout": 5,
        "connect_timeout": 2,
    }
    options.update(extra)
    return json.dumps(
        {"conn_type": "tencentcloud", "login": TEST_SECRET_ID, "password": TEST_SECRET_KEY, "extra": options}
    )


@pytest.fixture(scope="session")
def tencentcloud_emulator_server() -> Iterator[Any]:
    """One emulator per test session, on a free loopback port."""
    from airflow_provider_tencent.testing.emulator import Emulator

    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def tencentcloud_emulator(tencentcloud_emulator_server: Any) -> Any:
    """The session's emulator, reset (no state, counters or faults) for this test."""
    tencentcloud_emulator_server.reset()
    return tencentcloud_emulator_server


@pytest.fixture
def tencentcloud_conn(tencentcloud_emulator: Any, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """``tencentcloud_default`` pointing at the emulator, as ``AIRFLOW_CONN_TENCENTCLOUD_DEFAULT``."""
    monkeypatch.setenv("AIRFLOW_CONN_TENCENTCLOUD_DEFAULT", connection_json(tencentcloud_emulator))
    return SimpleNamespace(conn_id="tencentcloud_default", emulator=tencentcloud_emulator)
