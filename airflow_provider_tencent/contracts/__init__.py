"""API contracts: every field, limit and error code of the Tencent Cloud actions we call.

* :mod:`.errors`: :class:`ErrorKind` and :class:`ErrorSpec`, the vocabulary of error decisions;
* :mod:`.common`: the error codes every Tencent Cloud API 3.0 service shares, and the family rule;
* :mod:`.model`: :class:`ApiContract`, :class:`FieldSpec`, :class:`ImageRules`;
* one table per service: :mod:`.image_search` (Image Search), :mod:`.vod` (VOD), :mod:`.sts` (STS).

The names above (of :mod:`.errors` and :mod:`.model`) import from this package too, with :func:`lookup`.
Pure data: operators import it at parse time.
"""

from __future__ import annotations

from airflow_provider_tencent.contracts.errors import ErrorKind, ErrorSpec
from airflow_provider_tencent.contracts.model import MB, ApiContract, FieldSpec, ImageRules

__all__ = ["MB", "ApiContract", "ErrorKind", "ErrorSpec", "FieldSpec", "ImageRules", "lookup"]


def lookup(service: str, action: str) -> ApiContract | None:
    """The contract of ``service``/``action``, or ``None`` for an action we do not declare."""
    from airflow_provider_tencent.contracts import image_search, sts, vod

    tables = {image_search.SERVICE: image_search.CONTRACTS, vod.SERVICE: vod.CONTRACTS, sts.SERVICE: sts.CONTRACTS}
    return tables.get(service, {}).get(action)
