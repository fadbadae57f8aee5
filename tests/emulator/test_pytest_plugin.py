"""The pytest plugin the provider installs (entry point ``pytest11``) adds only ``tencentcloud_*`` fixtures.

It loads into the pytest session of everyone who installs the provider, so a generic fixture name there
(``local_s3``, ``emulator``...) would shadow or clash with a fixture of the user's own project.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

import pytest

PLUGIN_FIXTURES = {
    "tencentcloud_conn",
    "tencentcloud_cos_bucket",
    "tencentcloud_emulator",
    "tencentcloud_emulator_server",
    "tencentcloud_local_s3",
}


def _is_fixture(obj: object) -> bool:
    # pytest >= 8.4 wraps fixtures in FixtureFunctionDefinition; older releases mark the function
    return hasattr(obj, "_fixture_function_marker") or hasattr(obj, "_pytestfixturefunction")


def test_the_entry_point_loads_the_plugin_module():
    [entry] = [e for e in entry_points(group="pytest11") if e.value.startswith("airflow_provider_tencent")]
    assert entry.value == "airflow_provider_tencent.testing.pytest_plugin"


def test_every_fixture_of_the_plugin_is_prefixed():
    plugin = importlib.import_module("airflow_provider_tencent.testing.pytest_plugin")
    fixtures = {name for name in dir(plugin) if _is_fixture(getattr(plugin, name))}
    assert fixtures == PLUGIN_FIXTURES
    assert all(name.startswith("tencentcloud_") for name in fixtures)


@pytest.mark.parametrize("old_name", ["local_s3", "cos_bucket", "emulator", "emulator_server", "conn"])
def test_the_generic_names_are_not_fixtures(request, old_name):
    with pytest.raises(pytest.FixtureLookupError):
        request.getfixturevalue(old_name)


def test_the_s3_fixtures_give_a_bucket_on_loopback(tencentcloud_local_s3, tencentcloud_cos_bucket):
    assert tencentcloud_local_s3.url.startswith("http://127.0.0.1:")
    names = [b["Name"] for b in tencentcloud_local_s3.client().list_buckets()["Buckets"]]
    assert tencentcloud_cos_bucket in names and tencentcloud_cos_bucket.endswith("-1250000000")
