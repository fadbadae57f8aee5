"""The Image Search console link."""

from __future__ import annotations

from airflow_provider_tencent.links.base import TencentConsoleLink

__all__ = ["ImageSearchGalleryLink"]


class ImageSearchGalleryLink(TencentConsoleLink):
    """Image Search gallery management in the console."""

    name = "Image Search gallery"
    path = "/imagesearch/gallery"
