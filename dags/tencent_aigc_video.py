"""From pictures to a generated video: pictures in storage -> AIGC subjects -> one VOD video task -> files in storage.

Trigger it from the Airflow UI; the form shows the params below.

1. ``group_pictures``: every sub-folder of ``source_prefix`` holding pictures is one subject (its frontal
   picture - the file whose name contains ``frontal_hint``, else the first by name - and up to three others).
2. ``create_subject`` (mapped ``VodCreateAigcElementOperator``): one VOD AIGC subject each; ElementIds go
   through XCom.
3. ``make_video`` (``VodCreateAigcVideoOperator``, deferrable): one ``CreateAigcVideoTask`` using every
   ElementId as ``SubjectInfos[].Id`` with the prompt and model options of the form. It waits in the
   triggerer (no worker slot held), never submits twice (SessionId + stored TaskId), and streams the
   generated files to ``output_prefix``.
4. ``publish_video``: writes ``{TaskId, ElementIds, paths}`` as JSON to ``output_path`` and logs it.

Configuration: ``TENCENT_AIGC_BUCKET`` and ``TENCENT_CONN_ID`` environment variables (read at parse time -
no connection, no network). ``SubAppId`` comes from the connection extra ``sub_app_id`` (required for VOD
accounts opened from 2023-12-25 on).
"""

from __future__ import annotations

import os
from typing import Any

import pendulum
from airflow.sdk import DAG, Param, task

from airflow_provider_tencent.contracts.vod import CREATE_AIGC_VIDEO_TASK as VIDEO
from airflow_provider_tencent.operators.vod import VodCreateAigcElementOperator, VodCreateAigcVideoOperator

CONN_ID = os.environ.get("TENCENT_CONN_ID", "tencentcloud_default")
BUCKET = os.environ.get("TENCENT_AIGC_BUCKET", "examplebucket-1250000000")
PROMPT_MAX = VIDEO.field("Prompt").max_chars
#: Seconds between two DescribeTaskDetail reads at first (they grow 1.5x up to 60 s); the tests set it low.
POLL_SECONDS = float(os.environ.get("TENCENT_AIGC_POLL_SECONDS", "10"))

with DAG(
    dag_id="tencent_aigc_video",
    description="Pictures in storage -> VOD AIGC subjects -> one generated video -> video files in storage",
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
        "frontal_hint": Param("front", type="string", title="Frontal picture", description="Text in its file name."),
        "prompt": Param(
            "The subjects on a wooden table, slow camera pan, soft daylight",
            type="string",
            title="Prompt",
            description=f"What the video shows, at most {PROMPT_MAX} characters.",
            minLength=1,
            maxLength=PROMPT_MAX,
        ),
        "negative_prompt": Param(
            None, type=["null", "string"], title="Negative prompt", maxLength=PROMPT_MAX, description="What to avoid."
        ),
        "model_name": Param("Kling", type="string", title="Model", enum=["Kling"], description="Subjects need Kling."),
        "model_version": Param(
            "2.1",
            type="string",
            title="Model version",
            enum=["1.6", "2.0", "2.1", "2.5", "2.6", "O1", "3.0", "3.0-Omni", "3.0-turbo"],
        ),
        "duration": Param(5, type="integer", minimum=3, maximum=15, title="Duration (s)", description="Kling: 3-15."),
        "resolution": Param("720P", type="string", enum=["720P", "1080P"], title="Resolution"),
        "aspect_ratio": Param("16:9", type="string", enum=["16:9", "9:16", "1:1"], title="Aspect ratio"),
        "output_prefix": Param(
            f"cos://{BUCKET}/aigc/videos/", type="string", title="Video folder", description="Where the files go."
        ),
        "output_path": Param(
            f"cos://{BUCKET}/aigc/video.json",
            type="string",
            title="Output file",
            description="Where {TaskId, ElementIds, paths} is written as JSON.",
        ),
    },
) as dag:

    @task
    def group_pictures(params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One ``VodCreateAigcElementOperator`` argument set per sub-folder that holds pictures."""
        from airflow_provider_tencent.payloads.vod import group_pictures_by_folder

        assert params is not None
        subjects = []
        for folder, frontal, refs in group_pictures_by_folder(params["source_prefix"], CONN_ID, params["frontal_hint"]):
            subjects.append(
                {
                    "element_name": folder[:20],
                    "element_description": f"Subject {folder} for a generated video",
                    "element_frontal_image": frontal,
                    "element_refer_list": refs,
                }
            )
        if not subjects:
            raise ValueError(f"no pictures under {params['source_prefix']}: nothing to make a video of")
        print(f"{len(subjects)} subjects: {[s['element_name'] for s in subjects]}")
        return subjects

    @task
    def video_settings(params: dict[str, Any] | None = None) -> dict[str, Any]:
        """``OutputConfig`` from the form (typed: Duration is a number)."""
        assert params is not None
        return {
            "StorageMode": "Temporary",
            "Duration": float(params["duration"]),
            "Resolution": params["resolution"],
            "AspectRatio": params["aspect_ratio"],
        }

    @task
    def publish_video(video: dict[str, Any], element_ids: list[str], params: dict[str, Any] | None = None) -> str:
        """Write ``{TaskId, ElementIds, paths, files}`` to ``output_path``; return that path."""
        import json

        from airflow_provider_tencent.fs.storage import to_storage_path

        assert params is not None
        record = {
            "TaskId": video["TaskId"],
            "ElementIds": list(element_ids),
            "paths": video.get("paths", []),
            "files": video["files"],
        }
        to_storage_path(params["output_path"], CONN_ID).write_text(json.dumps(record, indent=2, sort_keys=True))
        for path in record["paths"]:
            print(f"video file: {path}")
        return f"{params['output_path']}"

    # [START howto_operator_create_aigc_video]
    subjects = group_pictures()
    created = VodCreateAigcElementOperator.partial(
        task_id="create_subject",
        tencentcloud_conn_id=CONN_ID,
        retries=2,
        retry_delay=pendulum.duration(seconds=5),
    ).expand_kwargs(subjects)
    video = VodCreateAigcVideoOperator(
        task_id="make_video",
        tencentcloud_conn_id=CONN_ID,
        element_ids=created.output,
        model_name="{{ params.model_name }}",
        model_version="{{ params.model_version }}",
        prompt="{{ params.prompt }}",
        negative_prompt="{{ params.negative_prompt or '' }}",
        output_config=video_settings(),
        output_path="{{ params.output_prefix }}",
        deferrable=True,
        poll_interval=POLL_SECONDS,
        max_poll_interval=max(60.0, POLL_SECONDS),
        timeout=3 * 3600,
        retries=2,
        retry_delay=pendulum.duration(seconds=30),
    )
    publish_video(video.output, created.output)
    # [END howto_operator_create_aigc_video]
