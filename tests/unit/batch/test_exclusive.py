"""``batch.exclusive``: one holder of a manifest's lease at a time, released at the end of the block."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from airflow_provider_tencent.batch.exclusive import exclusive, lease_location
from airflow_provider_tencent.exceptions import TencentCloudCheckpointError

LOG = logging.getLogger(__name__)


def test_lease_location_beside_the_manifest() -> None:
    assert lease_location("cos://b-1250000000/sync/manifest.json") == "cos://b-1250000000/sync/manifest.json.lease/"
    assert lease_location("/data/manifest.json") == "/data/manifest.json.lease.jsonl"


def test_a_second_holder_is_refused_until_the_first_ends(tmp_path: Path) -> None:
    manifest = str(tmp_path / "manifest.json")
    with exclusive(manifest, None, "gallery sync", LOG) as held:
        assert held
        with (
            pytest.raises(TencentCloudCheckpointError, match="another run holds it"),
            exclusive(manifest, None, "gallery sync", LOG),
        ):
            pytest.fail("entered while the lease was held")
    with exclusive(manifest, None, "gallery sync", LOG) as held:  # released: taken again
        assert held
