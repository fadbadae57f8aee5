"""The thin HTTP layer: a threading server and a handler that hands each request to the facade.

Control endpoints (``/_emulator/...``) answer loopback clients only.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import socket
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from airflow_provider_tencent.testing.emulator.cvm import METADATA_PREFIX
from airflow_provider_tencent.testing.emulator.vod.aigc_rules import FILE_PREFIX

CONTROL_PREFIX = "/_emulator/"


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        # never print a traceback (it could show request data); one line is enough
        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            print(f"tencent emulator: request failed: {type(exc).__name__}", file=sys.stderr)


class Handler(BaseHTTPRequestHandler):
    emulator: Any
    protocol_version = "HTTP/1.1"
    # headers and body leave in two writes: with Nagle on, a keep-alive client waits for the
    # delayed ACK (about 40 ms a request on Linux) before it sees the body
    disable_nagle_algorithm = True
    server_version = "TencentCloudEmulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return  # never log requests: their headers carry tokens

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def reply_raw(self, status: int, content_type: str, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up (timeout): nothing to answer

    def reply_broken(self, body: bytes) -> None:
        """Announce all of ``body``, send half of it, then close the connection (a download that breaks midway)."""
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
        except OSError:
            pass

    def reply_json(self, response: dict[str, Any], status: int = 200) -> None:
        # exactly "application/json": the SDK ignores error bodies of any other content type
        body = json.dumps({"Response": response}, ensure_ascii=False).encode("utf-8")
        self.reply_raw(status, "application/json", body)

    def reset_connection(self) -> None:
        """Abort the TCP connection with RST (SO_LINGER 0), without answering."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
        except OSError:
            pass

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().finish()

    def do_POST(self) -> None:
        payload = self._body()
        path = urlsplit(self.path).path
        if path.startswith(CONTROL_PREFIX):
            self._control(path, payload)
            return
        self.emulator.handle_api(self, "POST", payload)

    def do_GET(self) -> None:
        self._body()
        path = urlsplit(self.path).path
        if path == CONTROL_PREFIX + "state":
            if self._loopback():
                self.reply_raw(200, "application/json", json.dumps(self.emulator.state(), default=str).encode())
            return
        if path.startswith(FILE_PREFIX):
            task_id, _, name = path[len(FILE_PREFIX) :].partition("/")
            data = self.emulator.vod.output_file(task_id, name)
            if data is None:
                self.reply_raw(404, "text/plain", b"no such file")
            elif self.emulator.vod.take_broken_download():
                self.reply_broken(data)
            else:
                self.reply_raw(200, "video/mp4" if path.endswith(".mp4") else "application/octet-stream", data)
            return
        if path.startswith(METADATA_PREFIX):
            status, body = self.emulator.cvm_metadata(path)
            self.reply_raw(status, "application/json" if body.startswith(b"{") else "text/plain", body)
            return
        if path == "/" and self.headers.get("X-TC-Action"):
            self.emulator.handle_api(self, "GET", b"")
            return
        self.reply_raw(404, "text/plain", b"not found")

    def _loopback(self) -> bool:
        if _is_loopback(self.client_address[0]):
            return True
        self.reply_raw(403, "text/plain", b"control endpoints answer loopback clients only")
        return False

    def _aigc_settings(self, args: dict[str, Any]) -> None:
        """Apply ``/_emulator/aigc``'s settings: task duration, failures to inject, concurrency limit,
        duplicate-SessionId code, null answers while waiting, ageing tasks, broken downloads."""
        emulator = self.emulator
        if "duration" in args:
            emulator.aigc_duration = float(args["duration"])
        if args.get("fail"):
            emulator.fail_aigc_tasks(**args["fail"])
        if "concurrency" in args:
            emulator.aigc_concurrency = None if args["concurrency"] is None else int(args["concurrency"])
        if "duplicate_code" in args:
            emulator.aigc_duplicate_code = str(args["duplicate_code"])
        if "null_while_waiting" in args:
            emulator.aigc_null_while_waiting = bool(args["null_while_waiting"])
        if args.get("age"):
            emulator.age_aigc_tasks(float(args["age"]))
        if args.get("break_downloads"):
            emulator.break_aigc_downloads(int(args["break_downloads"]))

    def _control(self, path: str, payload: bytes) -> None:
        """Answer a control request from a loopback client: 200 ``{}`` when applied, 404 for an unknown
        path, 400 with the error for a body that is not a JSON object or bad arguments."""
        if not self._loopback():
            return
        try:
            args = json.loads(payload or b"{}")
            if not isinstance(args, dict):
                raise ValueError("the body must be a JSON object")
            found = self._apply_control(path[len(CONTROL_PREFIX) :] if path.startswith(CONTROL_PREFIX) else None, args)
        except (TypeError, ValueError) as exc:
            self.reply_raw(400, "application/json", json.dumps({"error": f"{exc}"}).encode())
            return
        if not found:
            self.reply_raw(404, "text/plain", b"not found")
            return
        self.reply_raw(200, "application/json", b"{}")

    def _apply_control(self, name: str | None, args: dict[str, Any]) -> bool:
        """Apply control ``name`` (the path after the control prefix) with ``args``; ``False`` when there
        is no such control.

        :raises TypeError | ValueError: bad arguments.
        """
        if name == "reset":
            self.emulator.reset(settings=bool(args.get("settings", False)))
        elif name == "faults":
            if args.get("clear"):
                self.emulator.clear_faults()
            else:
                self.emulator.inject(**args)
        elif name == "aigc":
            self._aigc_settings(args)
        elif name == "image_search":
            self.emulator.set_image_search_answers(**args)
        elif name == "groups":
            self._create_group(args)
        else:
            return False
        return True

    def _create_group(self, args: dict[str, Any]) -> None:
        """``/_emulator/groups``: create a gallery directly (GroupId required; GroupName, Capacity (or
        capacity, default 100000) and GroupType (default 4) optional).

        :raises ValueError: no GroupId, or a number that does not parse.
        """
        group_id = args.get("GroupId")
        if not isinstance(group_id, str) or not group_id:
            raise ValueError("GroupId is required")
        capacity: Any = args.get("Capacity", args.get("capacity", 100_000))
        group_type = int(args.get("GroupType", 4))
        self.emulator.create_group(group_id, str(args.get("GroupName") or ""), int(capacity), group_type)
