"""``python -m airflow_provider_tencent.testing.emulator``: serve until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import signal
import threading

from airflow_provider_tencent.testing import TEST_SECRET_ID, TEST_SECRET_KEY


def main(argv: list[str] | None = None) -> int:
    """The command line: start, print the URL on one line, serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(
        description="Local Tencent Cloud API 3.0 emulator (Image Search, VOD, STS) on loopback"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--secret-id", default=TEST_SECRET_ID)
    parser.add_argument("--secret-key", default=TEST_SECRET_KEY)
    parser.add_argument("--qps-scale", type=float, default=1.0)
    parser.add_argument("--latency", type=float, nargs=2, default=(0.0, 0.0), metavar=("LOW", "HIGH"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--group", action="extend", nargs="+", default=[], metavar="GROUP_ID", help="create these galleries at start"
    )
    args = parser.parse_args(argv)
    from airflow_provider_tencent.testing.emulator.facade import Emulator

    emulator = Emulator(
        args.host,
        args.port,
        {args.secret_id: args.secret_key},
        qps_scale=args.qps_scale,
        latency=tuple(args.latency),
        seed=args.seed,
    )
    for group in args.group:
        emulator.create_group(group)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emulator.start()
    print(emulator.url, flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
    return 0
