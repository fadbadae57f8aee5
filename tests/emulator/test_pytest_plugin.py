"""The provider's pytest plugin: enabled by ``pytest_plugins`` (no entry point); ``tencentcloud_*`` fixtures only.

A project lists it in its conftest.py (tests/conftest.py does), so a generic fixture name there (``local_s3``,
``emulator``...) would shadow or clash with a fixture of the user's own project. Without the ``testing``
extra, importing it says what to install.
"""

from __future__ import annotations

import importlib
import sys
from importlib.metadata import distribution

import pytest

from airflow_provider_tencent.testing.extra import INSTALL_HINT, require_testing_extra

PLUGIN = "airflow_provider_tencent.testing.pytest_plugin"

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


def test_the_distribution_registers_no_pytest11_entry_point():
    groups = {entry.group for entry in distribution("airflow-provider-tencent").entry_points}
    assert "apache_airflow_provider" in groups  # the entry points were read
    assert "pytest11" not in groups


def test_the_repository_enables_the_plugin_through_pytest_plugins(request):
    import tests.conftest

    assert tests.conftest.pytest_plugins == [PLUGIN]
    assert request.config.pluginmanager.get_plugin(PLUGIN) is not None


@pytest.mark.parametrize(
    ("module", "absent", "package"),
    [
        (PLUGIN, "moto", "moto[server]"),
        (PLUGIN, "PIL", "pillow"),
        (PLUGIN, "pytest", "pytest"),
        ("airflow_provider_tencent.testing.s3", "moto", "moto[server]"),
        ("airflow_provider_tencent.testing.emulator", "PIL", "pillow"),
    ],
)
def test_without_the_testing_extra_the_import_error_says_what_to_install(monkeypatch, module, absent, package):
    """A package of the extra that cannot be imported (``sys.modules[name] = None``, as if not installed)."""
    for name in list(sys.modules):
        if name == module or name.startswith(f"{module}."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, absent, None)
    with pytest.raises(ImportError) as err:
        importlib.import_module(module)
    assert not isinstance(err.value, ModuleNotFoundError)
    assert INSTALL_HINT in str(err.value) and f"({package} not installed)" in str(err.value)
    assert err.value.name == absent


def test_with_the_testing_extra_nothing_is_raised():
    require_testing_extra("the check")


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
