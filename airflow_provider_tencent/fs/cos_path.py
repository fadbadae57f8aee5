"""``CosPath``: the universal-pathlib class for ``cos://`` (entry point ``universal_pathlib.implementations``).

Same semantics as ``S3Path``: ``cos://<bucket>-<appid>/<key>``, the bucket is the anchor. The path
flavour (how ``cos://`` strings split into parts) is declared here, like universal-pathlib's own S3
flavour, so that it does not have to guess one - its guess drops the first letter of file names.
"""

from __future__ import annotations

from upath._flavour import WrappedFileSystemFlavour
from upath._flavour_sources import AbstractFileSystemFlavour, flavour_registry
from upath.implementations.cloud import CloudPath

WrappedFileSystemFlavour.protocol_config["netloc_is_anchor"].add("cos")
WrappedFileSystemFlavour.protocol_config["supports_empty_parts"].add("cos")

if "cos" not in flavour_registry:

    class CosFileSystemFlavour(AbstractFileSystemFlavour):
        __orig_class__ = "airflow_provider_tencent.fs.cos_fsspec.CosFileSystem"
        __orig_version__ = "1"
        protocol = ("cos",)
        root_marker = ""
        sep = "/"


class CosPath(CloudPath):
    __slots__ = ()
