"""Image Search (TIIA) operators: import them from here.

* :class:`ImageSearchCreateImageOperator`, :class:`ImageSearchCreateImageBatchOperator` - ``CreateImage``
  (:mod:`.create`);
* :class:`ImageSearchSearchImageOperator`, :class:`ImageSearchSearchImageBatchOperator` - ``SearchImage``
  (:mod:`.search`);
* :class:`ImageSearchUpdateImageOperator`, :class:`ImageSearchDeleteImagesOperator`,
  :class:`ImageSearchCreateGroupOperator` - one gallery change each (:mod:`.manage`);
* :class:`ImageSearchSyncGalleryOperator` - a gallery made to match a folder (:mod:`.sync`).

Importing this package imports no Tencent Cloud SDK module, no s3fs and no boto.
"""

from __future__ import annotations

from airflow_provider_tencent.operators.image_search.create import (
    ImageSearchCreateImageBatchOperator,
    ImageSearchCreateImageOperator,
)
from airflow_provider_tencent.operators.image_search.manage import (
    ImageSearchCreateGroupOperator,
    ImageSearchDeleteImagesOperator,
    ImageSearchUpdateImageOperator,
)
from airflow_provider_tencent.operators.image_search.search import (
    ImageSearchSearchImageBatchOperator,
    ImageSearchSearchImageOperator,
)
from airflow_provider_tencent.operators.image_search.sync import ImageSearchSyncGalleryOperator

__all__ = [
    "ImageSearchCreateGroupOperator",
    "ImageSearchCreateImageBatchOperator",
    "ImageSearchCreateImageOperator",
    "ImageSearchDeleteImagesOperator",
    "ImageSearchSearchImageBatchOperator",
    "ImageSearchSearchImageOperator",
    "ImageSearchSyncGalleryOperator",
    "ImageSearchUpdateImageOperator",
]
