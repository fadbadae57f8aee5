"""The model lists follow Tencent's own documents (issue 19.7).

``ModelName`` and ``ModelVersion`` of CreateAigcVideoTask / CreateAigcImageTask are documented as text: the
names ("取值: Kling ... ", "<li>OG</li> ...") and, per model, the versions ("当 ModelName 是 X, 可选值为 a、b").
Both the SDK models' docstrings and the API metadata (tccli's ``api.json``) carry that text: the emulator's
own tables and the client's contract must list exactly those models and versions - no model the documents do
not list, none they list missing (Mingmou for pictures appears only in the ModelVersion text).
"""

from __future__ import annotations

import re

import api_oracle
import pytest
import sdk_oracle

from airflow_provider_tencent.contracts import vod as contract
from airflow_provider_tencent.testing.emulator.vod import aigc_rules as emulator

ACTIONS = ("CreateAigcVideoTask", "CreateAigcImageTask")


def documented(name_doc: str, version_doc: str) -> dict[str, tuple[str, ...]]:
    """``{model: versions}`` from the two document texts (models without a version list: empty)."""
    names = re.findall(r"(?:<br>|<li>)([A-Za-z]+)(?=[\uff1a;\uff1b<])", name_doc)  # then a (full-width) : or ;
    versions = {
        model: tuple(v.strip() for v in values.split("、"))
        for model, values in re.findall(r"当 ModelName 是\s*([A-Za-z]+)\uff0c可选值为\s*([^\uff1b<]+)", version_doc)
    }
    return {**dict.fromkeys(names, ()), **versions}


def sdk_documents(action: str) -> dict[str, tuple[str, ...]]:
    if sdk_oracle.MISSING:
        pytest.skip(sdk_oracle.MISSING)
    request = getattr(sdk_oracle.models("vod"), f"{action}Request")
    return documented(request.ModelName.__doc__ or "", request.ModelVersion.__doc__ or "")


def api_documents(action: str) -> dict[str, tuple[str, ...]]:
    if api_oracle.MISSING:
        pytest.skip(api_oracle.MISSING)
    members = api_oracle.members("vod", f"{action}Request")
    return documented(members["ModelName"]["document"], members["ModelVersion"]["document"])


def test_the_document_text_is_read():
    docs = api_documents("CreateAigcImageTask")
    assert docs["OG"] == ("image2_low", "image2_medium", "image2_high") and docs["Mingmou"] == ("1.0",)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("source", [sdk_documents, api_documents], ids=["sdk", "api.json"])
def test_emulator_models_are_the_documented_ones(action, source):
    docs = source(action)
    models = emulator.VIDEO_MODELS if action == "CreateAigcVideoTask" else emulator.IMAGE_MODELS
    assert sorted(models) == sorted(docs), "the emulator lists a model the documents do not, or misses one"


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("source", [sdk_documents, api_documents], ids=["sdk", "api.json"])
def test_model_versions_of_the_emulator_and_the_contract_are_the_documented_ones(action, source):
    docs = source(action)
    video = action == "CreateAigcVideoTask"
    assert (emulator.VIDEO_VERSIONS if video else emulator.IMAGE_VERSIONS) == docs
    spec = contract.CONTRACTS[action].field("ModelVersion")
    assert dict(spec.model_choices) == docs
    assert contract.CONTRACTS[action].field("ModelName").choices == tuple(docs)
