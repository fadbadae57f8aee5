"""The Airflow UI with this provider, in a real (headless) browser: ``bash tests/ui/run.sh``.

Starts a throw-away Airflow (temporary ``AIRFLOW_HOME``, SQLite, LocalExecutor, Simple auth manager
with everyone admin, all on 127.0.0.1 and free ports) with the repository's ``dags/`` folder, the
Tencent Cloud API emulator and a local S3 server (sample pictures uploaded), then drives Chromium
with Playwright:

1. Connections page (Admin > Connections): add a connection of type "Tencent Cloud"; the provider's
   fields (``CONN_LABELS`` and every ``conn-fields`` label it declares) must be on the form, host,
   schema and port hidden; save it; it must be listed and stored with the key typed, while neither
   the REST API nor the page (list, edit form) shows the SecretKey or the session token in clear.
2. DAG ``tencent_aigc_subjects``: unpause it with its switch, open the Trigger form; the params must
   be shown with their titles (``PARAM_TITLES``) and the defaults must be valid; trigger it from the
   form.
3. The run must succeed (REST API polled, bounded wait); the XCom of ``publish_element_ids`` and of
   the mapped ``create_subject`` tasks (REST, and the tasks' XCom tab in the UI) and the output file
   must hold the ElementIds the emulator created.
4. ``example_dag_runs.py``: the example DAGs triggered through the REST API with ``logical_date: null`` must
   succeed, and each DAG's docs (``doc_md``) must be its docstring, shown by the DAG page's "Dag Docs".

A screenshot of every step goes to ``.artifacts/ui/`` (with the page HTML on failure). Everything it
started is stopped at the end, whatever happened. Last line: ``ui: N passed, M failed``; the exit
status is non-zero when any check failed.

``--serve`` only starts the stack and waits (prints the URL), for looking at the UI by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from example_dag_runs import example_dag_checks
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Locator, Page, expect, sync_playwright

# what local S3 needs in every process (the S3 test fixture's values): no real AWS account reachable
from airflow_provider_tencent.testing.s3 import DUMMY_AWS_ENV

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / ".artifacts" / "ui"
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--disable-dev-shm-usage",
]
DAG_ID = "tencent_aigc_subjects"
BUCKET = "uicheck-1250000000"
SECRET_ID = "AKIDUICHECK00000000000000000000000000"
SECRET_KEY = "UiCheckSecretKey-0f3a9c1d7e"
SESSION_TOKEN = "UiCheckSessionToken-5b8e2a"  # typed in the form's extra field: must not come back either
UI_CONN_ID = "tencentcloud_ui_check"
PARAM_TITLES = ["Source prefix", "Subject name", "Description", "Frontal picture", "Output file"]
CONN_LABELS = ["SecretId", "SecretKey", "Region", "Endpoint URL", "Session token", "COS endpoint URL"]

START_TIMEOUT = 150  # api-server answering, DAG parsed
RUN_TIMEOUT = 240  # the triggered run reaching a final state
UI_TIMEOUT_MS = 30_000  # one UI element showing up
_DROP_ENV = {
    *("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"),
    *("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL_S3"),
}

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return "\n".join(f"    | {line}" for line in text[-lines:])


class Checks:
    """Named pass/fail results, printed as they come."""

    def __init__(self) -> None:
        self.results: list[tuple[str, bool, str]] = []
        self.retried: list[str] = []  # checks that passed only on their second attempt

    def record(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        log(f"{'PASS' if ok else 'FAIL'}: {name}" + (f" - {detail}" if detail else ""))
        return ok

    @property
    def passed(self) -> int:
        return sum(ok for _, ok, _ in self.results)

    @property
    def failed(self) -> int:
        return sum(not ok for _, ok, _ in self.results)


# -- the Airflow stack ------------------------------------------------------------------------
class Process:
    """A subprocess in its own process group, output to a log file; ``stop()`` ends the group."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], cwd: Path, logfile: Path) -> None:
        self.name = name
        self.logfile = logfile
        self._out = open(logfile, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd, env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, grace: float = 15.0) -> None:
        pgid = self.proc.pid  # start_new_session: the group id is the pid of the process we started
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self.proc.poll() is not None and not _group_alive(pgid):
                    break
                time.sleep(0.2)
            else:
                continue
            break
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=1)
        self._out.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Stack:
    """Emulator, local S3 and Airflow (api-server, scheduler, dag-processor) on loopback."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        self.exit = stack
        self.home = Path(tempfile.mkdtemp(prefix="airflow-ui-check-"))
        stack.callback(shutil.rmtree, self.home, True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, Process] = {}
        self.env = self.airflow_env()
        # this process gets the same settings before anything imports airflow (upload_samples uses the hook)
        for name in set(os.environ) - set(self.env):
            if name.startswith("AIRFLOW") or name in _DROP_ENV:
                del os.environ[name]
        os.environ.update(self.env)

    def airflow_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k not in _DROP_ENV}
        env.update(DUMMY_AWS_ENV)
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": self.url,
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
                "TENCENT_AIGC_BUCKET": BUCKET,
                "TENCENT_GALLERY_BUCKET": BUCKET,
                "TENCENT_GALLERY_GROUP_ID": "ui_check_gallery",  # created by example_dag_runs.py
                "NO_PROXY": "*",
                "no_proxy": "*",
            }
        )
        return env

    def start_services(self) -> None:
        """Emulator and S3 in threads of this process; sample pictures uploaded."""
        from airflow_provider_tencent.testing.emulator import Emulator
        from airflow_provider_tencent.testing.s3 import LocalS3Server

        self.emulator = Emulator(credentials={SECRET_ID: SECRET_KEY}).start()
        self.exit.callback(self.emulator.stop)
        self.s3 = LocalS3Server().start()
        self.exit.callback(self.s3.stop)
        log(f"emulator {self.emulator.url}, S3 {self.s3.url}")
        sys.path.insert(0, str(REPO))  # the repository's dev/ tooling (not in the wheel)
        from dev.demo import connection_json, upload_samples

        conn = connection_json(self.emulator.url, self.s3.url, SECRET_ID, SECRET_KEY)
        self.env["AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"] = os.environ["AIRFLOW_CONN_TENCENTCLOUD_DEFAULT"] = conn
        self.s3.create_bucket(BUCKET)
        upload_samples("tencentcloud_default", BUCKET, gallery=0)
        log(f"sample pictures uploaded to cos://{BUCKET}/aigc/subjects/")

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "airflow"), *args],
            env=self.env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start_airflow(self) -> None:
        log(f"AIRFLOW_HOME {self.home}: airflow db migrate")
        proc = self.airflow("db", "migrate")
        if proc.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        commands = {
            "api-server": ["api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"],
            "scheduler": ["scheduler"],
            "dag-processor": ["dag-processor"],
        }
        for name, args in commands.items():
            process = Process(name, [str(BIN / "airflow"), *args], self.env, self.home, self.home / f"{name}.log")
            self.processes[name] = process
            self.exit.callback(self._stop_process, process)
        log(f"started {', '.join(f'{n} (pid {p.proc.pid})' for n, p in self.processes.items())}")

    def _stop_process(self, process: Process) -> None:
        if process.logfile.exists():  # keep the logs next to the screenshots
            with contextlib.suppress(OSError):
                shutil.copy(process.logfile, ARTIFACTS / process.logfile.name)
        process.stop()

    def dead(self) -> list[str]:
        return [name for name, p in self.processes.items() if not p.alive()]

    def logs_tail(self, *names: str, lines: int = 40) -> str:
        return "\n".join(
            f"  --- {name}.log (tail) ---\n{tail(self.processes[name].logfile, lines)}"
            for name in (names or tuple(self.processes))
        )

    # -- REST API (everyone is admin: the server adds the token itself) ------------------------
    def api(self, method: str, path: str, body: Any = None, timeout: float = 30, attempts: int = 3) -> Any:
        """One REST call. The single api-server worker also serves the browser and the running tasks: on a
        busy machine an answer can take seconds, so a GET that timed out or lost its connection is asked
        again (``attempts`` times at most, ``timeout`` seconds each); other methods are sent once.
        """
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(1, (attempts if method == "GET" else 1) + 1):
            request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
            request.add_header("Accept", "application/json")
            if data is not None:
                request.add_header("Content-Type", "application/json")
            try:
                with _OPENER.open(request, timeout=timeout) as response:
                    raw = response.read()
                return json.loads(raw) if raw else None
            except urllib.error.HTTPError:
                raise
            except (TimeoutError, ConnectionError, urllib.error.URLError) as exc:
                if method != "GET" or attempt == attempts:
                    raise
                log(f"  GET {path}: {exc!r}; asking again")
        raise AssertionError("unreachable")

    def wait_for(self, what: str, probe: Callable[[], Any], timeout: float, logs: tuple[str, ...] = ()) -> Any:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            if self.dead():
                raise RuntimeError(f"{', '.join(self.dead())} exited while waiting for {what}\n{self.logs_tail()}")
            try:
                value = probe()
                if value:
                    return value
                last = value
            except (OSError, urllib.error.URLError, ValueError) as exc:
                last = exc
            time.sleep(1)
        raise TimeoutError(
            f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})\n{self.logs_tail(*logs)}"
        )

    def wait_ready(self) -> None:
        started = time.monotonic()
        self.wait_for(
            "the API server", lambda: self.api("GET", "/api/v2/version", attempts=1), START_TIMEOUT, ("api-server",)
        )
        self.wait_for(
            f"DAG {DAG_ID} to be parsed",
            lambda: self.api("GET", f"/api/v2/dags/{DAG_ID}", attempts=1),
            max(30.0, START_TIMEOUT - (time.monotonic() - started)),
            ("dag-processor",),
        )
        log(f"Airflow UI up at {self.url} (ready after {time.monotonic() - started:.0f}s)")


@contextlib.contextmanager
def airflow_stack() -> Iterator[Stack]:
    with contextlib.ExitStack() as exit_stack:
        stack = Stack(exit_stack)
        stack.start_services()
        stack.start_airflow()
        stack.wait_ready()
        yield stack
        log("stopping everything")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="only start everything and wait (Ctrl-C stops)")
    parser.add_argument(
        "--cpu-throttle",
        type=float,
        default=1.0,
        metavar="N",
        help="run the browser N times slower (Chromium's CPU throttling): a slow machine, to shake out races",
    )
    args = parser.parse_args(argv)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    checks = Checks()
    started = time.monotonic()
    try:
        with airflow_stack() as stack:
            if args.serve:
                print(stack.url, flush=True)
                with contextlib.suppress(KeyboardInterrupt):
                    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
                    while True:
                        time.sleep(1)
                return 0
            run_ui_checks(stack, checks, cpu_throttle=args.cpu_throttle)
    except Exception as exc:  # set-up failures count as a failed check, with the details
        traceback.print_exc()
        checks.record("set-up", False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        print(str(exc), flush=True)
    log(f"took {time.monotonic() - started:.0f}s")
    retried = f" ({len(checks.retried)} on retry: {', '.join(checks.retried)})" if checks.retried else ""
    print(f"ui: {checks.passed} passed, {checks.failed} failed{retried}", flush=True)
    return 1 if checks.failed or not checks.passed else 0


# -- the browser ------------------------------------------------------------------------------
class CheckFailed(Exception):
    """A check's expectation that did not hold (the message is the check's detail)."""


def require(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def quoted(value: str) -> str:
    """One URL path segment (run ids hold ``:`` and ``+``)."""
    return urllib.parse.quote(value, safe="")


def declared_conn_labels() -> dict[str, str]:
    """``{label: extra field name}`` of the connection type, as the provider declares it."""
    from airflow_provider_tencent.get_provider_info import get_provider_info

    (conn_type,) = (c for c in get_provider_info()["connection-types"] if c["connection-type"] == "tencentcloud")
    return {spec["label"]: name for name, spec in conn_type["conn-fields"].items()}


def field_label(page: Page, text: str) -> Locator:
    """A form field's label by its text, with or without the required-field ``*``."""
    return page.get_by_text(re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$"))


class Browser:
    """One Chromium page; ``step()`` runs one check (retried once), saves what a failure looked like, records it."""

    def __init__(self, stack: Stack, checks: Checks, page: Page) -> None:
        self.stack = stack
        self.checks = checks
        self.page = page
        self.steps = 0
        self.errors: list[str] = []  # uncaught JavaScript errors of the UI, shown with a failed step
        self.in_flight: set[Any] = set()  # the page's requests not answered yet (for settle())
        page.on("pageerror", lambda error: self.errors.append(str(error).splitlines()[0]))
        page.on("request", lambda request: self.in_flight.add(request))
        page.on("requestfinished", lambda request: self.in_flight.discard(request))
        page.on("requestfailed", lambda request: self.in_flight.discard(request))
        page.on("framenavigated", self._navigated)

    def _navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:  # a new document: the old one's requests will not be answered
            self.in_flight.clear()

    def step(self, name: str, probe: Callable[[], str]) -> bool:
        """Run ``probe`` (returns the detail; raises on failure); on a failure save screenshot, HTML and the
        server logs, then run it once more (every probe starts by restoring the state it needs, so a second
        attempt neither repeats what the first one did nor depends on where it stopped). True when it passed.
        """
        self.steps += 1
        stem = ARTIFACTS / f"{self.steps:02d}-{'-'.join(name.split())}"
        first_failure = ""
        for attempt in (1, 2):
            try:
                detail = probe()
            except Exception as exc:  # any error fails this attempt only
                message = str(exc).strip().splitlines()
                failure = f"{type(exc).__name__}: {message[0] if message else ''}"
                log(f"  {name}: attempt {attempt} failed: {failure}")
                if isinstance(exc, AssertionError | PlaywrightError):  # what Playwright waited for, and saw
                    log("  " + "\n    ".join(message[:14]))
                elif not isinstance(exc, CheckFailed):
                    traceback.print_exc()
                self.save_failure(stem.with_name(f"{stem.name}.try{attempt}"), name)
                if attempt == 2:
                    detail = failure if failure == first_failure else f"{failure} (first attempt: {first_failure})"
                    return self.checks.record(name, False, detail)
                first_failure = failure
                continue
            with contextlib.suppress(PlaywrightError):
                self.page.screenshot(path=f"{stem}.png", full_page=True, animations="disabled")
            if attempt == 2:
                self.checks.retried.append(name)
                detail += f" (passed on retry; first attempt: {first_failure})"
            return self.checks.record(name, True, detail)
        raise AssertionError("unreachable")

    def save_failure(self, stem: Path, name: str) -> None:
        """Screenshot, page HTML, recent JavaScript errors and the three server logs as they are now."""
        try:
            self.page.screenshot(path=f"{stem}.png", full_page=True, animations="disabled")
            Path(f"{stem}.html").write_text(self.page.content())
        except PlaywrightError as exc:
            log(f"  no screenshot/HTML of {name}: {exc}")
        for process in self.stack.processes.values():
            with contextlib.suppress(OSError):
                shutil.copy(process.logfile, f"{stem}.{process.logfile.name}")
        pending = sorted(f"{r.method} {r.url}" for r in self.in_flight)
        Path(f"{stem}.txt").write_text(
            f"url: {self.page.url}\nrequests in flight: {pending}\nJavaScript errors: {self.errors[-10:]}\n"
        )
        log(f"  page {self.page.url}; screenshot, HTML and server logs: .artifacts/ui/{stem.name}.*")

    def settle(self, quiet_ms: int = 500, timeout_ms: int = 15_000) -> None:
        """Wait (bounded) until the page has had no request in flight for ``quiet_ms``: the UI's queries answered.

        Playwright's ``networkidle`` load state fires once per document; this single-page UI fetches after
        every client-side navigation and dialog opening, so the page's requests are counted here instead.
        The UI polls some endpoints every few seconds: quiet periods come between polls. Past ``timeout_ms``
        it goes on (the next step's own expectations then decide), saying which requests were still open.
        """
        deadline = time.monotonic() + timeout_ms / 1000
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if self.in_flight:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_ms / 1000:
                return
            self.page.wait_for_timeout(50)  # lets Playwright deliver the request events
        log(f"  network not idle after {timeout_ms} ms: {sorted(r.url for r in self.in_flight)[:5]}")

    def goto(self, path: str) -> None:
        """Load a UI page and wait until its data has arrived."""
        self.page.goto(f"{self.stack.url}{path}", wait_until="domcontentloaded")
        self.settle()

    def close_dialogs(self) -> None:
        """Close an open dialog (a failed attempt may have left one): Escape, then wait until it is gone."""
        dialogs = self.page.get_by_role("dialog")
        for _ in range(3):
            if dialogs.count() == 0:
                return
            self.page.keyboard.press("Escape")
            with contextlib.suppress(AssertionError):
                expect(dialogs).to_have_count(0, timeout=5_000)
        expect(dialogs).to_have_count(0)

    def open_dialog(self, opener: Locator) -> Locator:
        """Click ``opener`` and wait until its dialog is open: visible, its opening animation over, data loaded."""
        self.close_dialogs()
        expect(opener).to_be_enabled()
        opener.click()
        dialog = self.page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_have_attribute("data-state", "open")
        self.settle()  # the dialog's own queries
        expect(dialog).to_have_attribute("data-state", "open")  # and still open once they answered
        return dialog

    def click_when_ready(self, button: Locator) -> None:
        """Click ``button`` once it is attached, visible and enabled (Playwright also waits for it to be stable)."""
        expect(button).to_be_attached()
        expect(button).to_be_visible()
        expect(button).to_be_enabled()
        button.scroll_into_view_if_needed()
        button.click()


def run_ui_checks(stack: Stack, checks: Checks, cpu_throttle: float = 1.0) -> None:
    for old in ARTIFACTS.glob("[0-9][0-9]-*"):  # only this run's steps next to the logs
        old.unlink()
    expect.set_options(timeout=UI_TIMEOUT_MS)
    profile = tempfile.mkdtemp(prefix="ui-check-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1400, "height": 1000},
                locale="en-US",
                timezone_id="UTC",
            )
            try:
                page = context.pages[0] if context.pages else context.new_page()
                page.set_default_timeout(UI_TIMEOUT_MS)
                if cpu_throttle > 1:
                    cdp = context.new_cdp_session(page)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu_throttle})
                    log(f"browser CPU throttled {cpu_throttle:g}x")
                browser = Browser(stack, checks, page)
                connection_checks(browser)
                run_id = trigger_checks(browser)
                if run_id is None:
                    checks.record("dag run", False, "not triggered: nothing to wait for")
                else:
                    run_checks(browser, run_id)
                example_dag_checks(browser)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# -- 1. the connection form -------------------------------------------------------------------
def connection_checks(ui: Browser) -> None:
    page, stack = ui.page, ui.stack
    declared = declared_conn_labels()
    extra_labels = [label for label in CONN_LABELS if label not in ("SecretId", "SecretKey")]
    extra_labels += [label for label in declared if label not in extra_labels]
    dialog = page.get_by_role("dialog")

    def connections_page() -> None:
        """The Connections page, from the Admin menu, with nothing open on it."""
        ui.close_dialogs()
        ui.goto("/")
        ui.click_when_ready(page.get_by_role("button", name="Admin", exact=True))
        ui.click_when_ready(page.get_by_role("menuitem", name="Connections", exact=True))
        page.wait_for_url("**/connections")
        ui.settle()
        expect(page.get_by_role("button", name="Add Connection")).to_be_enabled()

    def saved_already() -> bool:
        try:
            stack.api("GET", f"/api/v2/connections/{quoted(UI_CONN_ID)}")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise
        return True

    def open_connections() -> str:
        connections_page()
        return page.url

    def fill_form() -> str:
        """Add Connection, type Tencent Cloud: the provider's fields, filled in (the dialog stays open)."""
        connections_page()
        ui.open_dialog(page.get_by_role("button", name="Add Connection"))
        dialog.get_by_role("textbox", name="Connection ID").fill(UI_CONN_ID)
        dialog.get_by_role("combobox", name="Connection Type").fill("Tencent")
        ui.click_when_ready(page.get_by_role("option", name="Tencent Cloud", exact=True))
        # standard fields, relabelled (ui-field-behaviour); host, schema and port hidden
        for label in ("SecretId", "SecretKey"):
            expect(dialog.get_by_label(label, exact=True)).to_be_editable()
        for hidden in ("Host", "Schema", "Port"):
            expect(field_label(page, hidden)).to_have_count(0)
        dialog.get_by_label("SecretId", exact=True).fill(SECRET_ID)
        dialog.get_by_label("SecretKey", exact=True).fill(SECRET_KEY)
        # the provider's conn-fields: a label and its input (the UI does not tie the two: by field row)
        extra = dialog.get_by_role("button", name="Extra Fields", exact=True)
        if extra.get_attribute("aria-expanded") != "true":
            ui.click_when_ready(extra)
            expect(extra).to_have_attribute("aria-expanded", "true")
        missing: list[str] = []
        for label in extra_labels:
            row = dialog.get_by_role("group").filter(has=field_label(page, label)).last
            try:
                expect(row).to_be_visible(timeout=5_000 if missing else UI_TIMEOUT_MS)
                expect(row.locator("input, textarea").first).to_be_attached(timeout=5_000)
            except AssertionError:
                missing.append(label)
        require(not missing, f"connection form lacks {missing}")
        require(len(declared) >= len(CONN_LABELS) - 2, f"the provider declares only {sorted(declared)}")
        conn_field(ui, "Endpoint URL").fill(stack.emulator.url)
        conn_field(ui, "Session token").fill(SESSION_TOKEN)
        expect(conn_field(ui, "Endpoint URL")).to_have_value(stack.emulator.url)
        return f"{len(extra_labels) + 2} fields shown: SecretId, SecretKey, {', '.join(extra_labels)}"

    def saved() -> str:
        if not saved_already():  # a first attempt may have saved it before failing later
            if dialog.count() == 0 or conn_field(ui, "Endpoint URL").count() == 0:
                fill_form()
            save = dialog.get_by_role("button", name="Save")
            expect(save).to_be_enabled()
            with page.expect_response(
                lambda r: r.url.endswith("/api/v2/connections") and r.request.method == "POST"
            ) as r:
                ui.click_when_ready(save)
            require(r.value.ok, f"POST /api/v2/connections answered {r.value.status}: {r.value.text()[:300]}")
            expect(dialog).to_have_count(0)
        else:
            connections_page()
        ui.settle()
        expect(page.get_by_role("row").filter(has_text=UI_CONN_ID)).to_be_visible()
        conn = stack.api("GET", f"/api/v2/connections/{UI_CONN_ID}")
        require(conn["conn_type"] == "tencentcloud", f"conn_type {conn['conn_type']!r}")
        require(conn["login"] == SECRET_ID, f"login {conn['login']!r}")
        extra = json.loads(conn["extra"] or "{}")
        require(extra.get("endpoint_url") == stack.emulator.url, f"extra {extra}")
        require(extra.get("region") == "ap-guangzhou", f"region default not saved: {extra}")
        # what is stored (the CLI reads it in clear): the key typed in the form
        proc = stack.airflow("connections", "get", UI_CONN_ID, "-o", "json", timeout=120)
        require(proc.returncode == 0, f"airflow connections get: {proc.stderr[-500:]}")
        lines = [line for line in proc.stdout.splitlines() if line.startswith("[{")]  # one line of JSON
        require(lines, f"airflow connections get printed no JSON: {proc.stdout[-300:]!r}")
        (stored,) = json.loads(lines[-1])
        require(stored["password"] == SECRET_KEY, "the stored SecretKey is not the one typed in the form")
        return "listed; REST: conn_type tencentcloud, SecretId, extra endpoint_url/region; stored key ok"

    def secret_hidden() -> str:
        raw = json.dumps(stack.api("GET", f"/api/v2/connections/{UI_CONN_ID}"))
        listing = json.dumps(stack.api("GET", "/api/v2/connections"))
        for secret in (SECRET_KEY, SESSION_TOKEN):
            require(secret not in raw and secret not in listing, f"REST returns {secret[:6]}... in clear")
        conn = json.loads(raw)
        password = conn["password"]
        require(password not in (None, "", SECRET_KEY), f"REST password {password!r}: not set, or not redacted")
        connections_page()
        row = page.get_by_role("row").filter(has_text=UI_CONN_ID)
        expect(row).to_be_visible()
        require(SECRET_KEY not in page.content(), "the SecretKey is on the connections page")
        # the edit form of the saved connection must not hold the key either
        ui.open_dialog(row.get_by_role("button", name="Edit Connection"))
        expect(dialog.get_by_label("SecretId", exact=True)).to_have_value(SECRET_ID)
        shown = dialog.get_by_label("SecretKey", exact=True).input_value()
        require(shown != SECRET_KEY, "the edit form holds the SecretKey in clear")
        require(SECRET_KEY not in page.content() and SESSION_TOKEN not in page.content(), "a secret is on the page")
        ui.close_dialogs()
        return f"REST password {password!r}, edit form SecretKey {shown!r}; session token redacted too"

    if ui.step("connections page", open_connections) and ui.step("connection form fields", fill_form):
        ui.step("connection saved", saved)
        ui.step("connection secret hidden", secret_hidden)
    ui.close_dialogs()


def conn_field(ui: Browser, label: str) -> Locator:
    """The input of a connection form field found by its label's text."""
    row = ui.page.get_by_role("dialog").get_by_role("group").filter(has=field_label(ui.page, label)).last
    return row.locator("input, textarea").first


# -- 2. the Trigger form -----------------------------------------------------------------------
def trigger_checks(ui: Browser) -> str | None:
    page, stack = ui.page, ui.stack
    dialog = page.get_by_role("dialog")
    run: dict[str, str] = {}

    def dag_page() -> None:
        """The DAG's page, from the DAG list, fully rendered, with nothing open on it.

        The page's header (with the Trigger button) shows before its Overview content, which is loaded
        lazily: when that arrives the header is rendered anew, and a Trigger dialog opened from the
        first one disappears with it (on a slow or cold machine, seconds after it opened: the "submit
        button never clickable" failure). So the Overview content, and the quiet after it, come first.
        """
        ui.close_dialogs()
        ui.goto("/dags")
        ui.click_when_ready(page.get_by_role("link", name=DAG_ID, exact=True).first)
        page.wait_for_url(f"**/dags/{DAG_ID}")
        expect(page.get_by_role("heading", name=re.compile(r"^Last \d+ Dag Runs?$"))).to_be_visible()
        expect(page.get_by_role("link", name=re.compile(r"Failed Tasks$"))).to_be_visible()
        ui.settle()
        expect(trigger_button(page)).to_be_enabled()

    def trigger_form() -> Locator:
        """The Trigger form open on the DAG page, its params loaded and the Run Parameters section expanded."""
        if dialog.count() == 0 or dialog.get_by_test_id("trigger-dag-submit").count() == 0:
            dag_page()
            ui.open_dialog(trigger_button(page))
        section = dialog.get_by_role("button", name="Run Parameters")
        expect(section).to_be_visible()
        if section.get_attribute("aria-expanded") == "false":
            ui.click_when_ready(section)
            expect(section).to_have_attribute("aria-expanded", "true")
        # the params arrive with the form's own query: the first one's default is the sign they are in
        expect(param_input(ui, "Source prefix")).not_to_have_value("")
        return dialog.get_by_test_id("trigger-dag-submit")

    def unpaused() -> str:
        dag_page()
        switch = page.get_by_test_id("toggle-pause").filter(visible=True).first  # a switch with no accessible name
        paused = f"/api/v2/dags/{DAG_ID}"
        if stack.api("GET", paused)["is_paused"]:  # (a first attempt may have unpaused it already)
            expect(switch.get_by_role("checkbox")).not_to_be_checked()
            with page.expect_response(lambda r: f"/dags/{DAG_ID}" in r.url and r.request.method == "PATCH") as r:
                ui.click_when_ready(switch)
            require(r.value.ok, f"PATCH dag answered {r.value.status}: {r.value.text()[:300]}")
        expect(switch.get_by_role("checkbox")).to_be_checked()
        stack.wait_for("the DAG to be unpaused", lambda: stack.api("GET", paused)["is_paused"] is False, 15)
        return "DAG page open; unpaused with its toggle (REST: is_paused false)"

    def form_titles() -> str:
        ui.close_dialogs()  # the form as it opens
        trigger_form()
        missing: list[str] = []
        for title in PARAM_TITLES:
            try:
                expect(field_label(page, title)).to_be_visible(timeout=5_000 if missing else None)
            except AssertionError:
                missing.append(title)
        require(not missing, f"Trigger form lacks {missing}")
        prefix = param_input(ui, "Source prefix").input_value()
        require(prefix == f"cos://{BUCKET}/aigc/subjects/", f"Source prefix default {prefix!r} (bucket not applied)")
        return f"{', '.join(PARAM_TITLES)}; Source prefix {prefix}"

    def defaults_valid() -> str:
        submit = trigger_form()
        expect(submit).to_be_visible()
        try:
            expect(submit).to_be_enabled(timeout=10_000)
        except AssertionError:
            fields = {title: param_input(ui, title) for title in PARAM_TITLES}
            empty = [title for title, field in fields.items() if field.count() and not field.input_value()]
            for title in empty:  # go on with the remaining checks; this one fails
                fields[title].fill("ui")
            raise CheckFailed(
                f"Trigger is disabled with the default params: required and empty {empty} (filled with 'ui' to go on)"
            ) from None
        return "Trigger enabled with the defaults"

    def ui_runs() -> list[dict[str, Any]]:
        runs = stack.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns")["dag_runs"]
        return [r for r in runs if r.get("triggered_by") == "ui"]

    def triggered() -> str:
        if not ui_runs():  # a first attempt may have triggered it before failing later: never trigger twice
            submit = trigger_form()
            with page.expect_response(
                lambda r: r.url.endswith(f"/dags/{DAG_ID}/dagRuns") and r.request.method == "POST"
            ) as r:
                ui.click_when_ready(submit)
            require(r.value.ok, f"POST dagRuns answered {r.value.status}: {r.value.text()[:300]}")
            body = r.value.json()
            require(body["triggered_by"] == "ui", f"triggered_by {body['triggered_by']!r}")
            run["id"] = body["dag_run_id"]
            page.wait_for_url(f"**/dags/{DAG_ID}/runs/**")
        else:
            (body,) = ui_runs()
            run["id"] = body["dag_run_id"]
            ui.close_dialogs()
            ui.goto(f"/dags/{DAG_ID}/runs/{quoted(run['id'])}")
        ui.settle()
        expect(page.get_by_text(run["id"], exact=True).first).to_be_visible()
        runs = ui_runs()
        require(len(runs) == 1, f"{len(runs)} runs triggered from the UI: {[r['dag_run_id'] for r in runs]}")
        return f"run {run['id']}, conf {body['conf']}"

    if ui.step("dag unpaused", unpaused) and ui.step("trigger form params", form_titles):
        ui.step("trigger form defaults valid", defaults_valid)
        ui.step("dag triggered from the form", triggered)
    return run.get("id")


def _log_line(entry: Any) -> str:
    """One structured task-log entry as text, with the exception (type, value, last frame) when there is one."""
    if not isinstance(entry, dict):
        return f"{entry}"
    line = f"{entry.get('event', entry)}"
    for error in entry.get("error_detail") or []:
        frames = error.get("frames") or [{}]
        last = frames[-1]
        line += (
            f" -- {error.get('exc_type')}: {error.get('exc_value')}"
            f" (at {last.get('filename')}:{last.get('lineno')} in {last.get('name')})"
        )
    return line


def trigger_button(page: Page) -> Locator:
    """The DAG page's Trigger button (the page holds two, one of them hidden)."""
    return page.get_by_role("button", name="Trigger Dag", exact=True).filter(visible=True).first


def param_input(ui: Browser, title: str) -> Locator:
    """The input of a Trigger form param found by its title."""
    dialog = ui.page.get_by_role("dialog")
    return dialog.get_by_role("group").filter(has=field_label(ui.page, title)).last.locator("input")


# -- 3. the run and its XCom -------------------------------------------------------------------
def run_checks(ui: Browser, run_id: str) -> None:
    page, stack = ui.page, ui.stack
    run_path = f"/dags/{DAG_ID}/dagRuns/{quoted(run_id)}"
    ui_run = f"/dags/{DAG_ID}/runs/{quoted(run_id)}"
    found: dict[str, Any] = {}

    def task_states() -> dict[str, str]:
        tis = stack.api("GET", f"/api/v2{run_path}/taskInstances")["task_instances"]
        return {t["task_id"] + (f"[{t['map_index']}]" if t["map_index"] >= 0 else ""): t["state"] for t in tis}

    def log_failed_tasks() -> None:
        tis = stack.api("GET", f"/api/v2{run_path}/taskInstances")["task_instances"]
        for ti in (t for t in tis if t["state"] not in ("success", "skipped")):
            path = f"/api/v2{run_path}/taskInstances/{ti['task_id']}/logs/{max(ti['try_number'], 1)}"
            with contextlib.suppress(OSError, ValueError, KeyError):
                content = stack.api("GET", f"{path}?map_index={ti['map_index']}")["content"]
                lines = [_log_line(c) for c in content]
                log(f"  {ti['task_id']}[{ti['map_index']}] {ti['state']}, log tail:")
                print("\n".join(f"    | {line}" for line in lines[-30:]), flush=True)

    def succeeded() -> str:
        started = time.monotonic()
        state = stack.wait_for(
            f"run {run_id} to finish",
            lambda: (s := stack.api("GET", f"/api/v2{run_path}")["state"]) in ("success", "failed") and s,
            RUN_TIMEOUT,
            ("scheduler",),
        )
        ui.goto(ui_run)
        expect(page.get_by_text(run_id, exact=True).first).to_be_visible()
        if state != "success":
            log_failed_tasks()
        require(state == "success", f"run {state}; tasks {task_states()}")
        expect(page.get_by_text("Success", exact=True).first).to_be_visible()
        return f"success after {time.monotonic() - started:.0f}s; tasks {task_states()}"

    def xcom_ids() -> str:
        tis = stack.api("GET", f"/api/v2{run_path}/taskInstances?task_id=create_subject")["task_instances"]
        indexes = sorted(t["map_index"] for t in tis if t["task_id"] == "create_subject")
        require(indexes, "no mapped create_subject task")
        xcom = f"/api/v2{run_path}/taskInstances/{{}}/xcomEntries/return_value"
        mapped = {i: stack.api("GET", xcom.format("create_subject") + f"?map_index={i}")["value"] for i in indexes}
        published = stack.api("GET", xcom.format("publish_element_ids"))["value"]
        created = {e["ElementName"]: e["ElementId"] for e in stack.emulator.elements()}
        require(len(created) == len(stack.emulator.elements()), f"duplicate names on the emulator: {created}")
        require(sorted(mapped.values()) == sorted(created.values()), f"create_subject {mapped} != emulator {created}")
        require(published == created, f"publish_element_ids {published} != emulator {created}")
        from airflow_provider_tencent.fs.storage import to_storage_path

        output = stack.api("GET", f"/api/v2{run_path}")["conf"]["output_path"]
        written = json.loads(to_storage_path(output, "tencentcloud_default").read_text())
        require(written == created, f"{output} holds {written}, the emulator {created}")
        found.update(mapped=mapped, published=published)
        return f"{len(created)} ElementIds: create_subject {mapped}, publish_element_ids {published}, {output} too"

    def xcom_tab(task: str, map_index: int, rows: dict[str, str]) -> Callable[[], str]:
        """The task instance's Storage > XCom tab shows each ``{key: ElementId}`` in one row."""

        def probe() -> str:
            ui.goto(f"{ui_run}/tasks/{task}" + (f"/mapped/{map_index}" if map_index >= 0 else ""))
            ui.click_when_ready(page.get_by_role("link", name="Storage", exact=True))
            ui.click_when_ready(page.get_by_role("link", name="XCom", exact=True))
            page.wait_for_url("**/xcom")
            ui.settle()
            for key, element_id in rows.items():
                row = page.get_by_role("row").filter(has=page.get_by_text(key, exact=True))
                expect(row.filter(has_text=element_id)).to_be_visible()
            return f"{task}{f'[{map_index}]' if map_index >= 0 else ''}: XCom rows {rows}"

        return probe

    if ui.step("dag run success", succeeded) and ui.step("xcom element ids match the emulator", xcom_ids):
        ui.step("xcom tab publish_element_ids", xcom_tab("publish_element_ids", -1, found["published"]))
        first = min(found["mapped"])
        ui.step("xcom tab create_subject", xcom_tab("create_subject", first, {"return_value": found["mapped"][first]}))


if __name__ == "__main__":
    sys.exit(main())
