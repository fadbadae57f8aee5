"""RefreshingCredential renews ahead of expiry without holding up callers whose keys are still good."""

from __future__ import annotations

import threading
import time

from airflow_provider_tencent.hooks.credentials import RefreshingCredential, TemporaryKeys


def test_a_due_renewal_runs_in_the_background_and_callers_keep_the_current_keys():
    release = threading.Event()
    fetched: list[str] = []

    def fetch() -> TemporaryKeys:
        n = len(fetched)
        fetched.append(f"id{n}")
        if n == 1:
            release.wait(10)  # the renewal is slow
        return TemporaryKeys(f"id{n}", "key", "tok", time.time() + (30 if n == 0 else 3600))

    cred = RefreshingCredential(fetch, source="test", refresh_margin=300)
    assert cred.get_credential_info()[0] == "id0"  # 30 s keys: renewed after two thirds of their life
    cred._margin = 3600  # the renewal is due now, the keys still have 30 s to live
    # a caller held up by the renewal would get id1 (after it): they go on with id0 meanwhile
    assert cred.get_credential_info()[0] == "id0"
    assert cred.get_credential_info()[0] == "id0"
    assert not release.is_set() and fetched == ["id0", "id1"]  # one renewal at a time
    release.set()
    deadline = time.monotonic() + 10
    while cred.refreshes < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    cred._margin = 1
    assert cred.get_credential_info()[0] == "id1"


def test_callers_wait_for_keys_about_to_expire():
    fetched: list[int] = []

    def fetch() -> TemporaryKeys:
        fetched.append(1)
        return TemporaryKeys(f"id{len(fetched)}", "key", "tok", time.time() + (0.5 if len(fetched) == 1 else 3600))

    cred = RefreshingCredential(fetch, source="test")
    cred.get_credential_info()
    time.sleep(0.5)  # expired: no keys left to use
    assert cred.get_credential_info()[0] == "id2"
