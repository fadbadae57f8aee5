"""A local Tencent Cloud API 3.0 emulator (Image Search, VOD, STS, CVM metadata) on loopback.

The public API is :class:`Emulator` (see :mod:`.facade`); ``python -m
airflow_provider_tencent.testing.emulator --help`` runs it alone.
"""

from __future__ import annotations

from airflow_provider_tencent.testing.emulator.auth import MAX_SKEW
from airflow_provider_tencent.testing.emulator.cli import main
from airflow_provider_tencent.testing.emulator.core import ApiError, redact
from airflow_provider_tencent.testing.emulator.cvm import CVM_ROLE
from airflow_provider_tencent.testing.emulator.facade import Emulator
from airflow_provider_tencent.testing.emulator.faults import FAULT_KINDS

__all__ = ["CVM_ROLE", "FAULT_KINDS", "MAX_SKEW", "ApiError", "Emulator", "main", "redact"]
