"""``CosFileSystem``: ``s3fs`` answering to the ``cos`` protocol (entry point ``fsspec.specs``).

Loaded only when a ``cos://`` path is used: importing it imports s3fs and botocore.
"""

from __future__ import annotations

from s3fs import S3FileSystem


class CosFileSystem(S3FileSystem):
    """COS through its S3-compatible API; ``cos://bucket/key`` paths."""

    protocol = ("cos",)
    root_marker = ""
