"""Every operator and sensor is importable under its earlier name, from its earlier module, as the same class.

The canonical names carry the service prefix (``ImageSearch...``, ``Vod...``) and batch variants end
in ``BatchOperator``; the earlier names are plain aliases, so DAGs written against them keep working
and ``isinstance`` checks hold either way.
"""

from __future__ import annotations

import importlib

import pytest

OPS = "airflow_provider_tencent.operators"
GAL = f"{OPS}.image_search_gallery"
SENSORS = "airflow_provider_tencent.sensors.aigc"
#: (earlier module, earlier name, canonical module, canonical name)
RENAMED = [
    (f"{OPS}.image_search", "CreateImageOperator", f"{OPS}.image_search", "ImageSearchCreateImageOperator"),
    (f"{OPS}.image_search", "CreateImagesOperator", f"{OPS}.image_search", "ImageSearchCreateImageBatchOperator"),
    (
        GAL,
        "SearchImageOperator",
        f"{OPS}.image_search_query",
        "ImageSearchSearchImageOperator",
    ),
    (
        GAL,
        "SearchImagesOperator",
        f"{OPS}.image_search_query",
        "ImageSearchSearchImageBatchOperator",
    ),
    (
        GAL,
        "UpdateImageOperator",
        f"{OPS}.image_search_manage",
        "ImageSearchUpdateImageOperator",
    ),
    (
        GAL,
        "DeleteImagesOperator",
        f"{OPS}.image_search_manage",
        "ImageSearchDeleteImagesOperator",
    ),
    (
        GAL,
        "CreateGroupOperator",
        f"{OPS}.image_search_manage",
        "ImageSearchCreateGroupOperator",
    ),
    (
        GAL,
        "SyncGalleryOperator",
        f"{OPS}.image_search_sync",
        "ImageSearchSyncGalleryOperator",
    ),
    (f"{OPS}.vod", "CreateAigcElementOperator", f"{OPS}.vod", "VodCreateAigcElementOperator"),
    (f"{OPS}.vod", "CreateAigcElementsOperator", f"{OPS}.vod", "VodCreateAigcElementBatchOperator"),
    (f"{OPS}.aigc_generation", "CreateAigcVideoOperator", f"{OPS}.aigc_generation", "VodCreateAigcVideoOperator"),
    (f"{OPS}.aigc_generation", "CreateAigcImageOperator", f"{OPS}.aigc_generation", "VodCreateAigcImageOperator"),
    (
        "airflow_provider_tencent.sensors.aigc",
        "AigcTaskSensor",
        "airflow_provider_tencent.sensors.aigc",
        "VodAigcTaskSensor",
    ),
]


@pytest.mark.parametrize(("old_module", "old_name", "module", "name"), RENAMED, ids=[r[1] for r in RENAMED])
def test_earlier_name_is_the_canonical_class(old_module, old_name, module, name):
    old = getattr(importlib.import_module(old_module), old_name)
    new = getattr(importlib.import_module(module), name)
    assert old is new
    assert new.__name__ == name and new.__module__ == module
    # the earlier module also offers the canonical name, and declares both
    assert getattr(importlib.import_module(old_module), name) is new
    assert {old_name, name} <= set(importlib.import_module(old_module).__all__)


def test_every_operator_module_lists_what_it_exports():
    for module_name in {r[0] for r in RENAMED} | {r[2] for r in RENAMED}:
        module = importlib.import_module(module_name)
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert not missing, f"{module_name}.__all__ names what it does not have: {missing}"


def test_provider_info_lists_every_operator_module():
    from airflow_provider_tencent.get_provider_info import get_provider_info

    info = get_provider_info()
    listed = {m for group in info["operators"] for m in group["python-modules"]}
    listed |= {m for group in info["sensors"] for m in group["python-modules"]}
    assert {r[2] for r in RENAMED} <= listed
