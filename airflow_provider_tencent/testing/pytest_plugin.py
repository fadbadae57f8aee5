"""Pytest plugin (entry point ``pytest11``): fixtures for testing DAGs offline.

Installing the provider loads this module into every pytest session of that environment, so every
fixture it defines carries the ``tencentcloud_`` prefix and none can shadow a fixture of the
user's own project:

* ``tencentcloud_emulator_server``: one local Tencent Cloud API 3.0 server per session, on 127.0.0.1,
  that verifies signatures and enforces the Image Search and VOD API rules;
* ``tencentcloud_emulator``: that server, reset for the test using it;
* ``tencentcloud_conn``: the ``tencentcloud_default`` connection pointing at it;
* ``tencentcloud_local_s3``: a real S3-compatible server (moto, server mode) on 127.0.0.1 for the session;
* ``tencentcloud_cos_bucket``: a fresh bucket on it, named like a COS bucket, removed after the test.
"""

from __future__ import annotations

from airflow_provider_tencent.testing.emulator_fixtures import (
    tencentcloud_conn,
    tencentcloud_emulator,
    tencentcloud_emulator_server,
)
from airflow_provider_tencent.testing.s3 import tencentcloud_cos_bucket, tencentcloud_local_s3

__all__ = [
    "tencentcloud_conn",
    "tencentcloud_cos_bucket",
    "tencentcloud_emulator",
    "tencentcloud_emulator_server",
    "tencentcloud_local_s3",
]
