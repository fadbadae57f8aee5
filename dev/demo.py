"""The one-command demo (``make demo``): both example DAGs end to end, with no cloud account.

1. starts the Tencent Cloud API emulator and a real S3-compatible server (moto) on 127.0.0.1;
2. uploads generated sample pictures through the provider's own ``cos://`` filesystem;
3. creates the gallery with a signed ``CreateGroup`` call through the hook;
4. runs ``tencent_gallery_ingest`` and ``tencent_aigc_subjects`` with ``airflow dags test``
   (SQLite, a fresh AIRFLOW_HOME under ``.demo/``), then re-runs the ingest to show it creates
   nothing twice;
5. prints the ElementIds read back from storage and what the gallery now holds, checks that the
   SecretKey and token appear nowhere in the output, task logs or XCom, and stops everything.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from typing import Any, TextIO

from dev.dag_runner import REPO_ROOT, AirflowEnv, find_leaks

BUCKET = "demo-1250000000"
GROUP_ID = "airflow_demo_gallery"
SECRET_ID = "AKIDDEMO0000000000000000000000000000"
SECRET_KEY = "DemoSecretKey-DO-NOT-LEAK-4f1c9a7e"
SESSION_TOKEN = "DemoSessionToken-DO-NOT-LEAK-82d5b0"
"""The demo signs with temporary keys (SecretId, SecretKey and session token), as a role would."""


#: The VOD application id of the demo connection (any positive id: the emulator accepts every one by default).
DEMO_SUB_APP_ID = 251007502


def connection_json(
    api_url: str,
    s3_url: str,
    secret_id: str = SECRET_ID,
    secret_key: str = SECRET_KEY,
    token: str | None = None,
    **extra: Any,
) -> str:
    return json.dumps(
        {
            "conn_type": "tencentcloud",
            "login": secret_id,
            "password": secret_key,
            "extra": {
                "endpoint_url": api_url,
                "cos_endpoint_url": s3_url,
                "region": "ap-guangzhou",
                "read_timeout": 10,
                "backoff_base": 0.2,
                "sub_app_id": DEMO_SUB_APP_ID,  # the AIGC generation actions require a VOD application id
                **({"token": token} if token else {}),
                **extra,
            },
        }
    )


def upload_samples(conn_id: str, bucket: str, gallery: int = 6, subjects: tuple[str, ...] = ("mug", "lamp")) -> None:
    """Pictures within the API reference's rules (noisy, not solid colour) for both DAGs."""
    from airflow_provider_tencent.fs.storage import to_storage_path
    from airflow_provider_tencent.testing.images import make_image

    for n in range(gallery):
        fmt = ("png", "jpeg", "bmp")[n % 3]
        ext = "jpg" if fmt == "jpeg" else fmt
        path = to_storage_path(f"cos://{bucket}/gallery/incoming/product-{n:03d}.{ext}", conn_id)
        path.write_bytes(make_image(640, 480, fmt, seed=n))
    for s, subject in enumerate(subjects):
        for v, view in enumerate(("front", "left", "right", "back")):
            path = to_storage_path(f"cos://{bucket}/aigc/subjects/{subject}/{view}.png", conn_id)
            path.write_bytes(make_image(480, 640, "png", seed=100 + 10 * s + v))


class _Transcript(io.TextIOBase):
    """Writes through to ``stream`` and keeps a copy, so the demo can check its own output for secrets."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def getvalue(self) -> str:
        return self.copy.getvalue()


def main() -> int:
    transcript = _Transcript(sys.stdout)
    sys.stdout = transcript
    try:
        return _run(transcript)
    finally:
        sys.stdout = transcript.stream


def _run(transcript: _Transcript) -> int:
    from airflow_provider_tencent.testing.emulator import Emulator
    from airflow_provider_tencent.testing.s3 import LocalS3Server

    workdir = REPO_ROOT / ".demo"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    emulator = Emulator()
    emulator.add_credential(SECRET_ID, SECRET_KEY, token=SESSION_TOKEN, lifetime=4 * 3600)
    s3 = LocalS3Server()
    emulator.start()
    s3.start()
    try:
        print(f"Tencent Cloud API emulator: {emulator.url}")
        print(f"S3-compatible object store (moto): {s3.url}")
        conn = connection_json(emulator.url, s3.url, token=SESSION_TOKEN)
        os.environ["AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"] = conn
        s3.create_bucket(BUCKET)
        upload_samples("tencentcloud_default", BUCKET)

        from airflow_provider_tencent.hooks.image_search import ImageSearchHook

        ImageSearchHook().create_group(GROUP_ID, "Airflow demo gallery", max_capacity=1000)
        print(f"Gallery {GROUP_ID!r} created; sample pictures uploaded to cos://{BUCKET}/")

        airflow = AirflowEnv(
            workdir / "airflow_home",
            env={
                "AIRFLOW_CONN_TENCENTCLOUD_DEFAULT": conn,
                "TENCENT_GALLERY_BUCKET": BUCKET,
                "TENCENT_AIGC_BUCKET": BUCKET,
                "TENCENT_GALLERY_GROUP_ID": GROUP_ID,
            },
        )
        print("Preparing Airflow (SQLite metadata database)...")
        airflow.migrate()
        texts: dict[str, str] = {}
        runs = [
            ("tencent_gallery_ingest", "2026-01-01", None),
            ("tencent_aigc_subjects", None, {"subject_name": None, "description": "Demo subject from Airflow"}),
            ("tencent_gallery_ingest", "2026-01-01", None),
        ]
        failed = False
        for dag_id, date, conf in runs:
            print(f"\n$ airflow dags test {dag_id} {date or ''}".rstrip())
            result = airflow.dags_test(dag_id, date, conf)
            texts.update({f"{dag_id} run {result.run_id}: {k}": v for k, v in airflow.run_texts(result).items()})
            print(f"  run {result.run_id}: {result.state}; tasks: {result.task_states}")
            if result.state != "success":
                failed = True
                print(result.output[-4000:])
                continue
            if dag_id == "tencent_gallery_ingest":
                summary = airflow.xcom(dag_id, result.run_id or "", "create_images").get(-1, {})
                counts = {k: summary.get(k) for k in ("total", "created", "exists", "failed")}
                print(f"  ImageSearchCreateImageBatchOperator: {counts}")

        from airflow_provider_tencent.fs.storage import to_storage_path

        ids_path = to_storage_path(f"cos://{BUCKET}/aigc/element_ids.json", "tencentcloud_default")
        if ids_path.exists():
            print(f"\nElementIds written to cos://{BUCKET}/aigc/element_ids.json:")
            for name, element_id in json.loads(ids_path.read_text()).items():
                print(f"  {name}: {element_id}")
        pictures = emulator.images(GROUP_ID)
        print(f"\nGallery {GROUP_ID!r} now holds {len(pictures)} pictures:")
        for picture in pictures:
            print(f"  EntityId={picture['EntityId']:<14} PicName={picture['PicName']}")
        print(f"\nEmulator request counters: {json.dumps(emulator.counters(), sort_keys=True)}")

        texts["the demo's own output"] = transcript.getvalue()
        leaks = find_leaks(texts, [SECRET_KEY, SESSION_TOKEN])
        print(
            f"Secrets check: SecretKey, session token and presigned-URL signatures looked for in {len(texts)} "
            "texts (dags test output, task logs, XComs, rendered templates, this output): "
            + ("; ".join(leaks) if leaks else "none found")
        )
        if leaks:
            failed = True
        print("\nDemo " + ("FAILED" if failed else "finished: both DAGs ran end to end against the emulator."))
        return 1 if failed else 0
    finally:
        s3.stop()
        emulator.stop()


if __name__ == "__main__":
    sys.exit(main())
