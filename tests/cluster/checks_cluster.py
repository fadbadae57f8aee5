"""The checks of ``cluster_check.py``: each returns its figures as one line, or raises what did not hold."""

from __future__ import annotations

import collections
import contextlib
import json
import re
import time
import traceback
from collections.abc import Callable
from typing import Any

from stack import TRIGGERERS, WORKERS, ClusterStack
from ui_check import BUCKET, Checks, log, quoted

EXAMPLE_DAGS = ("tencent_aigc_subjects", "tencent_aigc_video", "tencent_gallery_ingest", "tencent_gallery_sync")
FINAL = ("success", "failed")
KILL_PICTURES = 200


class CheckFailed(Exception):
    """What a check expected and did not see."""


def require(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def run_all(stack: ClusterStack, checks: Checks) -> None:
    """Each check in turn; one that fails is recorded and the next still runs."""
    steps: list[tuple[str, Callable[[ClusterStack], str]]] = [
        ("four-dags", four_dags),
        ("worker-killed", worker_killed),
        ("triggerer-lost", triggerer_lost),
        ("concurrent-syncs", concurrent_syncs),
        ("shared-quota", shared_quota),
    ]
    for name, check in steps:
        started = time.monotonic()
        log(f"-- {name}")
        try:
            detail = check(stack)
        except Exception as exc:
            if not isinstance(exc, CheckFailed):
                traceback.print_exc()
            checks.record(name, False, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        else:
            checks.record(name, True, f"{detail} ({time.monotonic() - started:.0f}s)")


# -- Airflow through its REST API and its database --------------------------------------------------
def trigger(stack: ClusterStack, dag: str, conf: dict[str, Any] | None = None) -> str:
    """A manual run, with a logical date (the ingest DAG names its manifest after its data interval)."""
    now = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{time.time_ns() % 10**9:09d}"[:7] + "Z"
    body: dict[str, Any] = {"logical_date": now, "conf": conf or {}}
    return str(stack.api("POST", f"/api/v2/dags/{dag}/dagRuns", body)["dag_run_id"])


def unpause(stack: ClusterStack, dag: str) -> None:
    stack.wait_for(f"DAG {dag} to be parsed", lambda: stack.api("GET", f"/api/v2/dags/{dag}", attempts=1), 120)
    stack.api("PATCH", f"/api/v2/dags/{dag}", {"is_paused": False})


def runs(stack: ClusterStack, dag: str) -> list[dict[str, Any]]:
    return list(stack.api("GET", f"/api/v2/dags/{dag}/dagRuns?limit=100")["dag_runs"])


def run_state(stack: ClusterStack, dag: str, run_id: str) -> str:
    return str(stack.api("GET", f"/api/v2/dags/{dag}/dagRuns/{quoted(run_id)}")["state"])


def wait_run(stack: ClusterStack, dag: str, run_id: str, timeout: float) -> str:
    def final() -> str:
        state = run_state(stack, dag, run_id)
        return state if state in FINAL else ""

    return str(stack.wait_for(f"{dag} {run_id} to finish", final, timeout, ("scheduler",)))


def task_instances(stack: ClusterStack, dag: str, run_id: str, task: str | None = None) -> list[dict[str, Any]]:
    query = f"?task_id={task}&limit=200" if task else "?limit=200"
    path = f"/api/v2/dags/{dag}/dagRuns/{quoted(run_id)}/taskInstances{query}"
    return list(stack.api("GET", path)["task_instances"])


def sql(stack: ClusterStack, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """One query on the metadata database (PostgreSQL)."""
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=stack.pg_port, user="airflow", dbname="airflow")
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(query, args)
            return list(cursor.fetchall())
    finally:
        connection.close()


# -- 1. the four example DAGs ---------------------------------------------------------------------------
def four_dags(stack: ClusterStack) -> str:
    for dag in EXAMPLE_DAGS:
        unpause(stack, dag)
    triggered = {dag: trigger(stack, dag) for dag in EXAMPLE_DAGS[:3]}
    for dag, run_id in triggered.items():
        require(wait_run(stack, dag, run_id, 300) == "success", f"{dag} {run_id} failed")
    # the ingest's Asset event starts sync runs (and the ingest's own scheduled run may be there too)
    stack.wait_for("a sync run", lambda: runs(stack, "tencent_gallery_sync"), 120)
    every: list[tuple[str, dict[str, Any]]] = []
    for dag in EXAMPLE_DAGS:
        for run in runs(stack, dag):
            state = wait_run(stack, dag, run["dag_run_id"], 240)
            require(state == "success", f"{dag} {run['dag_run_id']} {state}")
            every.append((dag, run))
    hosts: collections.Counter[str] = collections.Counter()
    for dag, run in every:
        for ti in task_instances(stack, dag, run["dag_run_id"]):
            hosts[str(ti.get("hostname"))] += 1
    require(set(WORKERS) <= set(hosts), f"tasks ran on {dict(hosts)}, not on both workers")
    gallery = len(stack.emulator.images(stack.env.get("TENCENT_GALLERY_GROUP_ID", "airflow_demo_gallery")))
    spread = ", ".join(f"{host} {n}" for host, n in sorted(hosts.items()))
    return (
        f"{len(every)} runs of the 4 DAGs succeeded; {sum(hosts.values())} tasks: {spread}; gallery {gallery} pictures"
    )


# -- 2. a worker killed in the middle of a batch ----------------------------------------------------------
def upload_pictures(prefix: str, count: int, seed: int) -> list[str]:
    """``count`` small JPEG pictures under ``prefix``; returns their stems (the ingest's EntityIds)."""
    from airflow_provider_tencent.fs.storage import to_storage_path
    from airflow_provider_tencent.testing.images import make_image

    stems = []
    for n in range(count):
        stem = f"item-{n:04d}"
        to_storage_path(f"{prefix}{stem}.jpg", "tencentcloud_default").write_bytes(
            make_image(320, 240, "jpeg", seed=seed + n)
        )
        stems.append(stem)
    return stems


def worker_killed(stack: ClusterStack) -> str:
    group = "cluster_kill_gallery"
    stack.emulator.create_group(group)
    stems = upload_pictures(f"cos://{BUCKET}/killtest/incoming/", KILL_PICTURES, seed=5000)
    conf = {
        "source_prefix": f"cos://{BUCKET}/killtest/incoming/",
        "manifest_prefix": f"cos://{BUCKET}/killtest/manifests",
        "group_id": group,
    }
    dag = "tencent_gallery_ingest"
    run_id = trigger(stack, dag, conf)

    def holder() -> str:
        tis = task_instances(stack, dag, run_id, "create_images")
        created = len(stack.emulator.images(group))
        if tis and tis[0]["state"] == "running" and created >= 40:
            return str(tis[0]["hostname"])
        return ""

    victim = str(stack.wait_for("the batch to be 40 pictures in", holder, 180, ("scheduler",)))
    require(victim in WORKERS, f"create_images runs on {victim!r}, not a worker")
    before = len(stack.emulator.images(group))
    killed = stack.kill(victim)
    log(f"SIGKILLed {victim} (pids {killed}) with {before} of {KILL_PICTURES} pictures created")
    # read now: a batch that ends with nothing left to retry removes its checkpoint
    done, sending = journal_at_kill(stack, "killtest/manifests/")
    state = wait_run(stack, dag, run_id, 300)
    stack.start_worker(victim)  # back to two workers for the next checks
    (ti,) = task_instances(stack, dag, run_id, "create_images")
    require(state == "success", f"run {state}; create_images {ti['state']} try {ti['try_number']}")
    survivor = str(ti["hostname"])
    require(survivor != victim and survivor in WORKERS, f"retried on {survivor!r} (killed: {victim})")
    pictures = stack.emulator.images(group)
    keys = collections.Counter((p["EntityId"], p["PicName"]) for p in pictures)
    duplicates = sum(n - 1 for n in keys.values())
    lost = sorted(set(stems) - {entity for entity, _ in keys})
    require(not lost and not duplicates, f"{len(lost)} lost ({lost[:5]}), {duplicates} duplicates")
    summary = batch_summary(stack, dag, run_id, int(ti["try_number"]))
    exists = int(summary.get("exists", -1))
    maybe = exists - done  # on storage, not journalled done by the killed attempt: the retry confirmed them
    require(maybe >= 0 and summary.get("failed") == 0, f"retry summary {summary}, {done} journalled done")
    return (
        f"killed {victim} at {before}/{KILL_PICTURES} created; try {ti['try_number']} on {survivor}: "
        f"{len(pictures)} pictures, 0 lost, 0 duplicates; the killed attempt had journalled {done} done and "
        f"{sending} sending; the retry reported {exists} 'exists', i.e. {maybe} maybe-created items confirmed "
        f"(not resent), {summary.get('created')} created; retry summary {summary}"
    )


def journal_at_kill(stack: ClusterStack, prefix: str) -> tuple[int, int]:
    """What the killed attempt's checkpoint parts (generation 1) say: items ``done``, items ``sending``."""
    client = stack.s3.client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]
    last: dict[str, str] = {}
    first = [k for k in keys if (m := re.search(r"/part-g(\d+)-", k)) and int(m.group(1)) == 1]
    for key in sorted(first):  # within a generation, parts sort by their counter
        for line in client.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode().splitlines():
            with contextlib.suppress(ValueError, KeyError):
                record = json.loads(line)
                last[record["key"]] = record.get("state", "")
    states = collections.Counter(last.values())
    return states["done"], states["sending"] + states["ambiguous"]


def batch_summary(stack: ClusterStack, dag: str, run_id: str, attempt: int) -> dict[str, Any]:
    """The counts the batch's last attempt logged (``CreateImage batch done: {...}``)."""
    logs = stack.home / "logs" / f"dag_id={dag}" / f"run_id={run_id}" / "task_id=create_images"
    for path in sorted(logs.glob(f"attempt={attempt}*")):
        for line in path.read_text(errors="replace").splitlines():
            if "batch done:" in line:
                record = json.loads(line) if line.startswith("{") else {"event": line}
                text = str(record.get("event", line))
                return dict(json.loads(text[text.index("batch done:") + len("batch done:") :].strip()))
    raise CheckFailed(f"no 'batch done' line in {logs}/attempt={attempt}*")


# -- 3. the triggerer holding a deferred task is lost -------------------------------------------------------
def holding_triggerer(stack: ClusterStack, dag: str, run_id: str) -> str:
    rows = sql(
        stack,
        "SELECT job.hostname FROM task_instance ti JOIN trigger ON ti.trigger_id = trigger.id "
        "JOIN job ON trigger.triggerer_id = job.id WHERE ti.dag_id = %s AND ti.run_id = %s AND ti.task_id = %s",
        dag,
        run_id,
        "make_video",
    )
    return str(rows[0][0]) if rows else ""


def triggerer_lost(stack: ClusterStack) -> str:
    dag = "tencent_aigc_video"
    known = {t["TaskId"] for t in stack.emulator.aigc_tasks()}
    stack.emulator.aigc_duration = 40.0
    prefix = f"cos://{BUCKET}/aigc/videos-triggerer/"
    run_id = trigger(stack, dag, {"output_prefix": prefix, "output_path": f"cos://{BUCKET}/aigc/video-trig.json"})

    def new_tasks() -> list[dict[str, Any]]:
        return [t for t in stack.emulator.aigc_tasks() if t["TaskId"] not in known]

    first = str(
        stack.wait_for("make_video to be held by a triggerer", lambda: holding_triggerer(stack, dag, run_id), 240)
    )
    require(first in TRIGGERERS, f"held by {first!r}")
    stack.wait_for("a poll", lambda: new_tasks() and new_tasks()[0]["polls"] >= 2, 60)
    polls = new_tasks()[0]["polls"]
    stack.kill(first)
    log(f"SIGKILLed {first} after {polls} polls")
    other = str(
        stack.wait_for(
            "the other triggerer to take the trigger",
            lambda: (h := holding_triggerer(stack, dag, run_id)) not in ("", first) and h,
            90,
        )
    )
    stack.wait_for("the other triggerer to poll", lambda: new_tasks()[0]["polls"] > polls, 60)
    state = wait_run(stack, dag, run_id, 240)
    stack.emulator.aigc_duration = 2.0
    require(state == "success", f"run {state}")
    tasks = new_tasks()
    require(len(tasks) == 1, f"{len(tasks)} remote generation tasks")
    key = "aigc/videos-triggerer/"
    puts = collections.Counter(r.path for r in stack.s3.requests if r.method == "PUT" and key in r.path)
    objects = stack.s3.client().list_objects_v2(Bucket=BUCKET, Prefix=key).get("Contents", [])
    require(objects and all(n == 1 for n in puts.values()), f"objects {len(objects)}, PUTs {dict(puts)}")
    return (
        f"held by {first}, SIGKILLed after {polls} polls; {other} took it over; 1 remote task "
        f"{tasks[0]['TaskId']} ({tasks[0]['polls']} polls); {len(objects)} file(s) in storage "
        f"{[o['Key'] for o in objects]}; PUT requests {dict(puts)}"
    )


# -- 4. two syncs of one gallery at once ----------------------------------------------------------------------
def concurrent_syncs(stack: ClusterStack) -> str:
    dag = "tencent_gallery_sync"
    first, second = trigger(stack, dag), trigger(stack, dag)
    states = [wait_run(stack, dag, run_id, 240) for run_id in (first, second)]
    require(states == ["success", "success"], f"runs {states}")
    (a,), (b,) = (task_instances(stack, dag, r, "sync_gallery") for r in (first, second))
    require(a["end_date"] <= b["start_date"], f"overlap: {a['start_date']}..{a['end_date']} and {b['start_date']}")
    waited = f"{dag}: 2 runs at once, the second started after the first ended ({a['hostname']}, {b['hostname']})"
    return f"{waited}; {twin_syncs(stack)}"


def twin_syncs(stack: ClusterStack) -> str:
    """Two runs of ``cluster_sync_twin`` (max 2 active) on one gallery, with deletions to make."""
    dag, group = "cluster_sync_twin", "cluster_twin_gallery"
    stack.emulator.create_group(group)
    prefix = f"cos://{BUCKET}/twin/incoming/"
    stems = upload_pictures(prefix, 20, seed=9000)
    conf = {"source_prefix": prefix, "manifest_path": f"cos://{BUCKET}/twin/manifest.json", "group_id": group}
    conf["max_deletions"] = 10
    unpause(stack, dag)
    require(wait_run(stack, dag, trigger(stack, dag, conf), 240) == "success", "the first twin sync failed")
    from airflow_provider_tencent.fs.storage import to_storage_path

    for stem in stems[:5]:
        to_storage_path(f"{prefix}{stem}.jpg", "tencentcloud_default").unlink()
    start = len(stack.emulator.requests)
    pair = [trigger(stack, dag, conf), trigger(stack, dag, conf)]
    states = [wait_run(stack, dag, run_id, 240) for run_id in pair]
    tis = [task_instances(stack, dag, r, "sync_gallery")[0] for r in pair]
    deletes = [r for r in stack.emulator.requests[start:] if r.get("action") == "DeleteImages"]
    twice = max(0, len(deletes) - 5)  # one DeleteImages per picture gone from storage
    remaining = len(stack.emulator.images(group))
    refused = [r for r, state in zip(pair, states, strict=True) if state == "failed" and lease_refusal(stack, dag, r)]
    detail = (
        f"twin syncs {states} on {[ti['hostname'] for ti in tis]}; {len(refused)} refused for the lease; "
        f"{len(deletes)} DeleteImages for 5 pictures gone, {twice} sent twice; gallery {remaining} pictures (15 due)"
    )
    failed_otherwise = [s for r, s in zip(pair, states, strict=True) if s != "success" and r not in refused]
    require(twice == 0 and remaining == 15 and "success" in states and not failed_otherwise, detail)
    return detail


def lease_refusal(stack: ClusterStack, dag: str, run_id: str) -> str:
    """The refusal line of a sync that found the manifest's lease held, from its task log."""
    logs = stack.home / "logs" / f"dag_id={dag}" / f"run_id={run_id}" / "task_id=sync_gallery"
    for path in sorted(logs.glob("attempt=*")):
        for line in path.read_text(errors="replace").splitlines():
            if "another run holds it" in line:
                return line
    return ""


# -- 5. one account's quota shared by concurrent batch tasks through the cluster's Redis ------------------
SHARED_ACCOUNT = ("AKIDCLUSTERSHARED000000000000000000", "ClusterSharedQuotaKey-00000000000000")


def shared_quota(stack: ClusterStack) -> str:
    """2 and 4 CreateImage batch processes of one account (its own SecretId, so that only its requests are
    counted), each pacing at the whole 10/s quota, sharing the cluster's Redis (the Celery broker's) through
    ``[tencentcloud] shared_quota_redis_url``: combined admitted requests/s ÷ quota ≥ 0.95, throttled ≤ 2 %."""
    import os
    import sys

    from stack import REPO

    sys.path.insert(0, str(REPO / "benchmarks"))
    import bench_shared_quota as bench

    from dev.demo import connection_json

    secret_id, secret_key = SHARED_ACCOUNT
    stack.emulator.add_credential(secret_id, secret_key)
    redis_url = f"redis://127.0.0.1:{stack.redis_port}/0"
    saved = os.environ["AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"]
    os.environ["AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"] = connection_json(
        stack.emulator.url, stack.s3.url, secret_id, secret_key
    )
    figures = []
    try:
        for tasks in (2, 4):
            group = f"cluster_shared_{tasks}"
            stack.emulator.create_group(group)
            started = len(stack.emulator.requests)
            bench.measure("CreateImage", tasks, 120, False, [], redis_url, group)
            figures.append(_shared_figures(stack, tasks, started, secret_id))
    finally:
        os.environ["AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"] = saved
    return "; ".join(figures)


def _shared_figures(stack: ClusterStack, tasks: int, first: int, secret_id: str) -> str:
    """The account's CreateImage requests since request number ``first``: combined rate ÷ quota and throttled.
    (The emulator records no SecretId on a throttled answer: those are every ``RequestLimitExceeded`` since.)"""
    since = [r for r in stack.emulator.requests[first:] if r["action"] == "CreateImage"]
    mine = [r for r in since if r["secret_id"] in (secret_id, "")]
    ok = sorted(r["time"] for r in mine if r["outcome"] == "ok")
    throttled = sum(1 for r in mine if r["outcome"] == "RequestLimitExceeded")
    rate = (len(ok) - 1) / (ok[-1] - ok[0]) / 10.0 if len(ok) > 1 else 0.0
    share = throttled / max(1, len(mine))
    figure = f"{tasks} tasks: {rate:.3f} of quota, throttled {throttled}/{len(mine)} = {share:.1%}"
    log(f"shared-quota {figure}")
    require(len(ok) == 120, f"{tasks} tasks: {len(ok)} of 120 pictures created")
    require(rate >= 0.95 and share <= 0.02, f"{figure}: wanted >= 0.95 of quota with <= 2 % throttled")
    return figure
