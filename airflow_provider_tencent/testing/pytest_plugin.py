"""Pytest plugin (entry point ``pytest11``): fixtures for testing DAGs offline.

* ``tencentcloud_emulator`` / ``tencentcloud_conn``: a local Tencent Cloud API 3.0 server on
  127.0.0.1 that verifies signatures and enforces the TIIA/VOD contracts, and a
  ``tencentcloud_default`` connection pointing at it.
* ``local_s3`` / ``cos_bucket``: a real S3-compatible server (moto, server mode) on 127.0.0.1.
"""

from __future__ import annotations

from airflow_provider_tencent.testing.emulator_fixtures import *  # noqa: F403
from airflow_provider_tencent.testing.s3 import *  # noqa: F403
