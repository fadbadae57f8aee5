"""``CosFileSystem``: ``s3fs`` answering to the ``cos`` protocol (entry point ``fsspec.specs``).

Loaded only when a ``cos://`` path is used: importing it imports s3fs and botocore.
"""

from __future__ import annotations

from typing import Any

from s3fs import S3FileSystem

#: Any of these means the caller configured the filesystem itself.
_CONFIGURED_BY = ("endpoint_url", "key", "secret", "token", "session", "anon", "profile")


class CosFileSystem(S3FileSystem):
    """COS through its S3-compatible API; ``cos://bucket/key`` paths.

    Built with no endpoint and no credentials (``fsspec.filesystem("cos")``, or a ``UPath`` used
    outside Airflow), it takes both from the ``tencentcloud_default`` connection instead of
    silently talking to AWS with AWS's keys. Airflow's ``ObjectStoragePath`` goes through
    :func:`airflow_provider_tencent.fs.cos.get_fs`, which always passes them.
    """

    protocol = ("cos",)
    root_marker = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not any(kwargs.get(name) is not None for name in _CONFIGURED_BY):
            from airflow_provider_tencent.hooks.cos import CosHook

            kwargs = CosHook().storage_options(kwargs)
            kwargs.pop("skip_instance_cache", None)  # a constructor argument of fsspec's cache, not of ours
        super().__init__(*args, **kwargs)
