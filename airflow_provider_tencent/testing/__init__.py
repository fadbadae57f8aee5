"""Offline testing: a Tencent Cloud API emulator, a local S3 server, pytest fixtures, sample pictures.

Needs the ``testing`` extra (Pillow, moto). Importing this package imports neither.
"""

from __future__ import annotations

TEST_SECRET_ID = "AKIDEMULATOR000000000000000000000000"
TEST_SECRET_KEY = "EmulatorSecretKey000000000000000"

__all__ = ["TEST_SECRET_ID", "TEST_SECRET_KEY"]
