"""Each public name has one home: the module that defines it, listed once by the provider and the API reference."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import airflow_provider_tencent
import airflow_provider_tencent.operators
import airflow_provider_tencent.sensors
from airflow_provider_tencent.get_provider_info import get_provider_info

ROOT = Path(airflow_provider_tencent.__file__).resolve().parents[1]
#: Modules whose ``__all__`` is a deliberate facade over their submodules or over Airflow.
FACADES = {"airflow_provider_tencent.compat", "airflow_provider_tencent.contracts"}
#: One import path per service for its operators (as the Amazon provider's ``operators/s3.py``); the classes are
#: defined (and documented) in the package's modules, one job each.
SERVICE_PACKAGES = {"airflow_provider_tencent.operators.image_search", "airflow_provider_tencent.operators.vod"}


def package_modules() -> list[str]:
    prefix = f"{airflow_provider_tencent.__name__}."
    names = [m.name for m in pkgutil.walk_packages(airflow_provider_tencent.__path__, prefix)]
    return sorted(n for n in names if ".testing" not in n and n not in FACADES | SERVICE_PACKAGES)


def modules_of(package: object) -> set[str]:
    """The modules and packages directly inside ``package``."""
    return {f"{package.__name__}.{m.name}" for m in pkgutil.iter_modules(package.__path__)}  # type: ignore[attr-defined]


@pytest.mark.parametrize("module_name", package_modules())
def test_a_module_exports_only_classes_and_functions_it_defines(module_name):
    """No name is re-exported for another import path (a second home in the API reference)."""
    module = importlib.import_module(module_name)
    foreign = [
        name
        for name in getattr(module, "__all__", ())
        if (inspect.isclass(getattr(module, name)) or inspect.isfunction(getattr(module, name)))
        and getattr(module, name).__module__ != module_name
    ]
    assert not foreign, f"{module_name} exports names defined elsewhere: {foreign}"


@pytest.mark.parametrize("package_name", sorted(SERVICE_PACKAGES))
def test_a_service_package_exports_every_operator_of_its_modules_and_nothing_else(package_name):
    """``from ...operators.<service> import X`` works for every operator of the service, and only for operators."""
    from airflow.sdk import BaseOperator

    package = importlib.import_module(package_name)
    defined = set()
    for module_name in modules_of(package):
        module = importlib.import_module(module_name)
        defined |= {
            name
            for name, obj in vars(module).items()
            if inspect.isclass(obj)
            and issubclass(obj, BaseOperator)
            and obj.__module__ == module_name
            and not name.startswith("_")
        }
    assert defined
    assert set(package.__all__) == defined


def test_operator_and_sensor_classes_have_one_name():
    """A class is bound under its own ``__name__`` only: no second (earlier) name for the same class."""
    aliases = []
    for module_name in sorted(
        modules_of(airflow_provider_tencent.operators) | modules_of(airflow_provider_tencent.sensors)
    ):
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module_name and name != obj.__name__:
                aliases.append(f"{module_name}.{name} -> {obj.__name__}")
    assert not aliases


def defines_a_task_class(module_name: str) -> bool:
    """The module defines an operator or sensor a DAG uses (not a base class or a mixin)."""
    from airflow.sdk import BaseOperator

    module = importlib.import_module(module_name)
    return any(
        inspect.isclass(obj)
        and issubclass(obj, BaseOperator)
        and obj.__module__ == module_name
        and not name.startswith(("_", "TencentCloud"))
        for name, obj in vars(module).items()
    )


def test_provider_info_lists_exactly_the_operator_and_sensor_modules():
    info = get_provider_info()
    operators = {m for group in info["operators"] for m in group["python-modules"]}
    sensors = {m for group in info["sensors"] for m in group["python-modules"]}
    on_disk = modules_of(airflow_provider_tencent.operators)
    assert operators == SERVICE_PACKAGES
    assert {m for m in on_disk if defines_a_task_class(m)} == set()  # the shared bases and mixins only
    assert sensors == {m for m in modules_of(airflow_provider_tencent.sensors) if defines_a_task_class(m)}


def test_the_api_reference_documents_each_module_once():
    api = (ROOT / "docs" / "api.rst").read_text()
    documented = re.findall(r"^\.\. automodule:: (\S+)$", api, re.MULTILINE)
    assert len(documented) == len(set(documented))
    assert all(importlib.util.find_spec(name) is not None for name in documented)
