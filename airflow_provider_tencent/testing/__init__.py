"""Offline testing: a Tencent Cloud API 3.0 emulator, a local S3 server, pytest fixtures, sample pictures.

Needs the ``testing`` extra (Pillow, moto). Importing this package imports neither;
``Emulator`` is loaded on first access.

``TEST_SECRET_ID`` / ``TEST_SECRET_KEY`` are the emulator's default key pair: test values that
work nowhere else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

TEST_SECRET_ID = "AKIDEMULATOR000000000000000000000000"
TEST_SECRET_KEY = "EmulatorSecretKey000000000000000"
#: The VOD application id of the test connections (``sub_app_id`` extra): the AIGC generation actions require one.
TEST_SUB_APP_ID = 251007502

if TYPE_CHECKING:
    from airflow_provider_tencent.testing.emulator import Emulator

__all__ = ["TEST_SECRET_ID", "TEST_SECRET_KEY", "TEST_SUB_APP_ID", "Emulator"]


def __getattr__(name: str) -> Any:
    if name == "Emulator":
        from airflow_provider_tencent.testing.emulator import Emulator

        return Emulator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
