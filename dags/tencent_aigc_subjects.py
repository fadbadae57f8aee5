"""UI-triggered AIGC subjects: pictures in object storage -> VOD AIGC subjects -> ElementIds in storage.

Trigger it from the Airflow UI: the form shows the params below. Every sub-folder of
``source_prefix`` holding pictures is one subject: its frontal picture (the file whose name
contains ``frontal_hint``, else the first by name) and up to three others as references. One
mapped ``VodCreateAigcElementOperator`` task per subject creates it; the ElementIds flow through XCom
to ``publish_element_ids``, which writes ``{subject name: ElementId}`` as JSON to ``output_path``
and logs them.

Configuration: ``TENCENT_AIGC_BUCKET`` and ``TENCENT_CONN_ID`` environment variables (read at
parse time - no connection, no network). For the international site, set the connection's extra
``vod_endpoint`` to ``vod.intl.tencentcloudapi.com``.
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_tencent.contracts.vod import CREATE_AIGC_CUSTOM_ELEMENT as CONTRACT
from airflow_provider_tencent.operators.vod import VodCreateAigcElementOperator

CONN_ID = os.environ.get("TENCENT_CONN_ID", "tencentcloud_default")
BUCKET = os.environ.get("TENCENT_AIGC_BUCKET", "examplebucket-1250000000")
NAME_MAX = CONTRACT.field("ElementName").max_chars
DESCRIPTION_MAX = CONTRACT.field("ElementDescription").max_chars

with DAG(
    dag_id="tencent_aigc_subjects",
    description="Create VOD AIGC subjects from pictures in object storage; publish their ElementIds",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["tencentcloud", "vod", "aigc", "example"],
    doc_md=__doc__,
    params={
        "source_prefix": Param(
            f"cos://{BUCKET}/aigc/subjects/",
            type="string",
            title="Source prefix",
            description="cos:// or s3:// folder with one sub-folder of pictures per subject.",
            pattern="^(cos|s3)://",
        ),
        "subject_name": Param(
            None,
            type=["null", "string"],  # optional in the Trigger form: an empty field is sent as null
            title="Subject name",
            description=f"Name of the subject (at most {NAME_MAX} characters). With several sub-folders it is "
            "a prefix: <name>-<folder>. Empty: the folder name.",
            maxLength=NAME_MAX,
        ),
        "description": Param(
            "Subject created from Airflow",
            type="string",
            title="Description",
            description=f"Subject description, at most {DESCRIPTION_MAX} characters.",
            minLength=1,
            maxLength=DESCRIPTION_MAX,
        ),
        "frontal_hint": Param(
            "front",
            type="string",
            title="Frontal picture",
            description="The picture whose file name contains this text is the frontal image "
            "(else the first by name); up to 3 others become references.",
        ),
        "output_path": Param(
            f"cos://{BUCKET}/aigc/element_ids.json",
            type="string",
            title="Output file",
            description="Where {subject name: ElementId} is written as JSON.",
        ),
    },
) as dag:

    @task
    def group_pictures(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One ``VodCreateAigcElementOperator`` argument set per sub-folder that holds pictures."""
        from airflow_provider_tencent.payloads.vod import group_pictures_by_folder

        assert params is not None
        groups = group_pictures_by_folder(params["source_prefix"], CONN_ID, params["frontal_hint"])
        name = params["subject_name"] or ""
        subjects = []
        for folder, frontal, refs in groups:
            subject = folder if not name else (name if len(groups) == 1 else f"{name}-{folder}")
            subjects.append(
                {
                    "element_name": subject,
                    "element_description": params["description"],
                    "element_frontal_image": frontal,
                    "element_refer_list": refs,
                }
            )
        print(f"{len(subjects)} subjects: {[s['element_name'] for s in subjects]}")
        return subjects

    @task
    def publish_element_ids(
        subjects: list[dict[str, Any]], element_ids: list[str], params: dict[str, Any] | None = None
    ) -> dict[str, str]:
        """Write ``{subject name: ElementId}`` to ``output_path`` and log it."""
        import json

        from airflow_provider_tencent.fs.storage import to_storage_path

        assert params is not None
        ids = list(element_ids)
        mapping = {s["element_name"]: element_id for s, element_id in zip(subjects, ids, strict=True)}
        to_storage_path(params["output_path"], CONN_ID).write_text(json.dumps(mapping, indent=2, sort_keys=True))
        for subject, element_id in mapping.items():
            print(f"subject {subject!r}: ElementId {element_id}")
        return mapping

    subjects = group_pictures()
    # [START howto_operator_create_aigc_element_mapped]
    created = VodCreateAigcElementOperator.partial(
        task_id="create_subject",
        tencentcloud_conn_id=CONN_ID,
        retries=2,
        retry_delay=pendulum.duration(seconds=5),
    ).expand_kwargs(subjects)
    publish_element_ids(subjects, created.output)
    # [END howto_operator_create_aigc_element_mapped]
