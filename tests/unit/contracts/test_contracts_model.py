"""The contracts package: where its names live, and that it speaks in the project's own words."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import airflow_provider_tencent.contracts as contracts
from airflow_provider_tencent.contracts import errors, image_search, model, sts, vod
from airflow_provider_tencent.contracts.common import classify_common

CONTRACTS_DIR = Path(contracts.__file__).parent


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (model, "MB"),
        (model, "ApiContract"),
        (model, "FieldSpec"),
        (model, "ImageRules"),
        (errors, "ErrorKind"),
        (errors, "ErrorSpec"),
    ],
)
def test_the_package_re_exports_every_name_of_the_model_and_the_errors(module, name):
    assert getattr(contracts, name) is getattr(module, name)
    assert name in contracts.__all__


def test_error_vocabulary_is_defined_once():
    assert {"ErrorKind", "ErrorSpec"}.isdisjoint(model.__all__)
    assert errors.ErrorKind.__module__ == errors.__name__ and errors.ErrorSpec.__module__ == errors.__name__


@pytest.mark.parametrize("kind", list(errors.ErrorKind))
def test_retryability_is_decided_by_the_kind_alone(kind):
    expected = kind in (errors.ErrorKind.THROTTLED, errors.ErrorKind.TRANSIENT)
    assert kind.retryable is expected
    assert errors.ErrorSpec("X", kind, "").retryable is expected


def test_lookup_finds_every_declared_action_and_nothing_else():
    for table in (image_search, vod, sts):
        for action, contract in table.CONTRACTS.items():
            assert contracts.lookup(table.SERVICE, action) is contract
    assert contracts.lookup("tiia", "NoSuchAction") is None
    assert contracts.lookup("nosuchservice", "CreateImage") is None


def test_an_action_falls_back_to_the_common_table_and_the_family_rule():
    assert image_search.CREATE_IMAGE.error("NoSuchVersion") is classify_common("NoSuchVersion")
    assert image_search.CREATE_IMAGE.error("InvalidParameter.Whatever").kind is errors.ErrorKind.BAD_INPUT
    assert image_search.CREATE_IMAGE.error("NoSuchFamily.Whatever").kind is errors.ErrorKind.UNKNOWN


def _texts(path: Path) -> list[str]:
    """Every string constant and docstring of ``path`` (where a reader would see a reference)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


@pytest.mark.parametrize("path", sorted(CONTRACTS_DIR.glob("*.py")), ids=lambda p: p.name)
def test_contracts_cite_the_api_references_not_files_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    for needle in ("shared/seeds", "../shared", "_b714bb1cacceee71", "_e4e61f1dd5e83270"):
        assert needle not in text, f"{path.name} mentions {needle}"
    for value in _texts(path):
        if " " not in value:  # an identifier: the API's own "Seed" parameter (a random seed) is not jargon
            continue
        words = value.lower().replace("getseedtoken", "").split()
        assert "seed" not in words and "seed:" not in words and "seed's" not in words, value[:80]


def test_contracts_hold_no_dead_host_constant():
    assert not hasattr(vod, "INTL_HOST")


def test_the_connection_is_declared_once_for_the_form_and_the_parser():
    from airflow_provider_tencent.contracts import connection
    from airflow_provider_tencent.get_provider_info import get_provider_info
    from airflow_provider_tencent.utils import connection as parser

    declared = get_provider_info()["connection-types"][0]
    assert declared["conn-fields"] is connection.CONN_FIELDS
    assert declared["ui-field-behaviour"] is connection.UI_FIELD_BEHAVIOUR
    fields = connection.CONN_FIELDS
    assert fields["credential_source"]["schema"]["enum"] == list(parser.CREDENTIAL_SOURCES)
    assert fields["language"]["schema"]["enum"] == list(parser.LANGUAGES)
    assert fields["region"]["schema"]["default"] == parser.DEFAULT_REGION
    assert parser.DEFAULT_CONN_ID == connection.DEFAULT_CONN_ID == "tencentcloud_default"


def test_airflow_3_1_gets_the_form_methods_generated_from_the_declaration(monkeypatch):
    from airflow_provider_tencent.contracts.connection import legacy_ui_field_behaviour
    from airflow_provider_tencent.hooks import base

    monkeypatch.setattr(base, "AIRFLOW_V_3_2_PLUS", False)

    class Hook:
        pass

    hook = base._add_legacy_connection_form(Hook)
    assert hook.get_ui_field_behaviour() == legacy_ui_field_behaviour()
    assert legacy_ui_field_behaviour()["hidden_fields"] == ["schema", "port", "host"]
    monkeypatch.setattr(base, "AIRFLOW_V_3_2_PLUS", True)

    class Untouched:
        pass

    assert "get_ui_field_behaviour" not in vars(base._add_legacy_connection_form(Untouched))


@pytest.mark.parametrize(("upath", "declared"), [("0.2.6", True), ("0.3.10", False)])
def test_the_cos_path_flavour_is_declared_on_import_where_pathlib_fixes_it_early(monkeypatch, upath, declared):
    import sys

    import upath as universal_pathlib

    import airflow_provider_tencent

    monkeypatch.setattr(universal_pathlib, "__version__", upath)
    # a module set to None in sys.modules cannot be imported: an attempt raises, without side effects
    monkeypatch.setitem(sys.modules, "airflow_provider_tencent.fs.cos_path", None)
    if declared:
        with pytest.raises(ImportError):
            airflow_provider_tencent._declare_cos_paths()
    else:
        airflow_provider_tencent._declare_cos_paths()


def test_every_nested_member_with_a_limit_says_where_it_comes_from():
    from airflow_provider_tencent.contracts import vod

    def walk(specs, path):
        for spec in specs:
            yield f"{path}.{spec.name}", spec
            yield from walk(spec.members, f"{path}.{spec.name}")

    nested = [(p, s) for c in vod.CONTRACTS.values() for p, s in walk(c.fields, c.action) if p.count(".") > 1]
    assert len(nested) > 40
    assert [p for p, s in nested if s.has_limit and not s.limit_source] == []
