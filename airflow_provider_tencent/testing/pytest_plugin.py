"""Pytest plugin: fixtures for testing DAGs offline.

Not loaded automatically (the provider registers no ``pytest11`` entry point): a project enables it in its
top-level ``conftest.py`` with ``pytest_plugins = ["airflow_provider_tencent.testing.pytest_plugin"]``, after
``pip install 'airflow-provider-tencent[testing]'`` (without that extra, importing it raises an
:class:`ImportError` saying so). Every fixture carries the ``tencentcloud_`` prefix, so none can shadow a
fixture of the project's own:

* ``tencentcloud_emulator_server``: one local Tencent Cloud API 3.0 server per session, on 127.0.0.1,
  that verifies signatures and enforces the Image Search and VOD API rules;
* ``tencentcloud_emulator``: that server, reset for the test using it;
* ``tencentcloud_conn``: the ``tencentcloud_default`` connection pointing at it;
* ``tencentcloud_local_s3``: a real S3-compatible server (moto, server mode) on 127.0.0.1 for the session;
* ``tencentcloud_cos_bucket``: a fresh bucket on it, named like a COS bucket, removed after the test.
"""

from __future__ import annotations

from airflow_provider_tencent.testing.extra import require_testing_extra

require_testing_extra("The pytest plugin airflow_provider_tencent.testing.pytest_plugin")

from airflow_provider_tencent.testing.emulator_fixtures import (  # noqa: E402 - after the check above
    tencentcloud_conn,
    tencentcloud_emulator,
    tencentcloud_emulator_server,
)
from airflow_provider_tencent.testing.s3 import tencentcloud_cos_bucket, tencentcloud_local_s3  # noqa: E402

__all__ = [
    "tencentcloud_conn",
    "tencentcloud_cos_bucket",
    "tencentcloud_emulator",
    "tencentcloud_emulator_server",
    "tencentcloud_local_s3",
]
