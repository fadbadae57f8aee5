"""``CosPath``: the universal-pathlib class for ``cos://`` (entry point ``universal_pathlib.implementations``).

Same semantics as ``S3Path``: ``cos://<bucket>-<appid>/<key>``, the bucket is the anchor.
"""

from __future__ import annotations

import warnings

from upath._flavour import WrappedFileSystemFlavour
from upath.implementations.cloud import CloudPath

# universal-pathlib has no built-in flavour for "cos": declare it like "s3" (the bucket is the anchor)
# and silence its notice about building a default flavour for a protocol it does not know.
WrappedFileSystemFlavour.protocol_config["netloc_is_anchor"].add("cos")
warnings.filterwarnings("ignore", message="Could not find default for known protocol 'cos'", category=UserWarning)


class CosPath(CloudPath):
    __slots__ = ()
