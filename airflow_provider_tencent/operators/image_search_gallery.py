"""Image Search (TIIA) operators for the gallery's life after ``CreateImage`` (the home of their earlier import path).

The operators live by job in:

* :mod:`~airflow_provider_tencent.operators.image_search_query` - ``SearchImage``, one query or many;
* :mod:`~airflow_provider_tencent.operators.image_search_manage` - ``UpdateImage``, ``DeleteImages``,
  ``CreateGroup``;
* :mod:`~airflow_provider_tencent.operators.image_search_sync` - a gallery kept equal to a storage prefix.

Every name this module exported still imports from it, the earlier class names being the same
classes as the new ones (``SearchImageOperator is ImageSearchSearchImageOperator``).
"""

from __future__ import annotations

from airflow_provider_tencent.operators.image_search_manage import (
    CreateGroupOperator,
    DeleteImagesOperator,
    ImageSearchCreateGroupOperator,
    ImageSearchDeleteImagesOperator,
    ImageSearchUpdateImageOperator,
    UpdateImageOperator,
)
from airflow_provider_tencent.operators.image_search_query import (
    ImageSearchSearchImageBatchOperator,
    ImageSearchSearchImageOperator,
    SearchImageOperator,
    SearchImagesOperator,
)
from airflow_provider_tencent.operators.image_search_sync import (
    SYNC_MANIFEST_VERSION,
    ImageSearchSyncGalleryOperator,
    SyncGalleryOperator,
    content_hash,
    sync_pic_name,
)
from airflow_provider_tencent.payloads.image_search import SEARCH_KEYS, filter_problems, prepare_search_image

__all__ = [
    "SEARCH_KEYS",
    "SYNC_MANIFEST_VERSION",
    "CreateGroupOperator",
    "DeleteImagesOperator",
    "ImageSearchCreateGroupOperator",
    "ImageSearchDeleteImagesOperator",
    "ImageSearchSearchImageBatchOperator",
    "ImageSearchSearchImageOperator",
    "ImageSearchSyncGalleryOperator",
    "ImageSearchUpdateImageOperator",
    "SearchImageOperator",
    "SearchImagesOperator",
    "SyncGalleryOperator",
    "UpdateImageOperator",
    "content_hash",
    "filter_problems",
    "prepare_search_image",
    "sync_pic_name",
]
