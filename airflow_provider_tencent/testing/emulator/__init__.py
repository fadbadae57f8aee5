"""A local Tencent Cloud API 3.0 emulator (Image Search, VOD, STS, CVM metadata) on loopback.

The public API is :class:`Emulator` (see :mod:`.facade`); ``python -m
airflow_provider_tencent.testing.emulator --help`` runs it alone.
"""

from __future__ import annotations

from airflow_provider_tencent.testing.extra import require_testing_extra

require_testing_extra("The Tencent Cloud API emulator", ("PIL",))

from airflow_provider_tencent.testing.emulator.auth import MAX_SKEW  # noqa: E402
from airflow_provider_tencent.testing.emulator.cli import main  # noqa: E402
from airflow_provider_tencent.testing.emulator.core import ApiError, redact  # noqa: E402
from airflow_provider_tencent.testing.emulator.cvm import CVM_ROLE  # noqa: E402
from airflow_provider_tencent.testing.emulator.facade import Emulator  # noqa: E402
from airflow_provider_tencent.testing.emulator.faults import FAULT_KINDS  # noqa: E402

__all__ = ["CVM_ROLE", "FAULT_KINDS", "MAX_SKEW", "ApiError", "Emulator", "main", "redact"]
