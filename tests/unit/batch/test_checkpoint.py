"""The checkpoint lease's clock-free pieces, branch by branch (the whole lease runs in
tests/integration/test_batch_lease.py against the local S3 server)."""

from __future__ import annotations

import itertools

from airflow_provider_tencent.batch.checkpoint import Journal, _journal_parts, _part_order
from airflow_provider_tencent.fs.conditional import Stored


def test_parts_are_read_by_generation_then_counter_never_by_their_writers_clock():
    names = [
        "part-g0000000002-000000000001-aa.jsonl",
        "part-g0000000001-000000000010-bb.jsonl",  # an earlier holder, however far ahead its clock was
        "part-g0000000001-000000000002-cc.jsonl",
    ]
    assert sorted(names, key=_part_order) == [names[2], names[1], names[0]]


def test_only_journal_parts_are_read_from_the_checkpoint_folder(tmp_path):
    for name in ("part-g0000000001-000000000002-cc.jsonl", "lease.json", "part-09999-dd.jsonl", "notes.txt"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "part-g0000000001-000000000001-aa.jsonl").write_text("{}")
    assert [p.name for p in _journal_parts(tmp_path)] == [
        "part-g0000000001-000000000001-aa.jsonl",
        "part-g0000000001-000000000002-cc.jsonl",
    ]


def test_without_an_age_from_the_store_a_lease_is_expired_only_after_watching_it_unchanged(monkeypatch):
    """A store that gives no Date/Last-Modified: the reader watches the ETag for longer than the TTL on
    its own monotonic clock; a renewal seen meanwhile means the holder is alive."""
    journal = Journal("s3://bucket/ckpt/", lease_ttl=0.4)
    unchanged = Stored(b"{}", '"a"', None)
    monkeypatch.setattr(Journal, "_read_lease", lambda self: unchanged)
    assert journal._expired(unchanged, {"ttl": 0.4}) is True
    etags = itertools.count()
    monkeypatch.setattr(Journal, "_read_lease", lambda self: Stored(b"{}", f'"{next(etags)}"', None))
    assert journal._expired(unchanged, {"ttl": 0.4}) is False


def test_a_lease_is_expired_by_the_store_s_clock_one_second_past_its_ttl():
    journal = Journal("s3://bucket/ckpt/", lease_ttl=60)
    assert journal._expired(Stored(b"{}", '"a"', 60.0), {"ttl": 60}) is False  # dates are whole seconds
    assert journal._expired(Stored(b"{}", '"a"', 61.0), {"ttl": 60}) is True
    assert journal._expired(Stored(b"{}", '"a"', 10.0), {"ttl": 5}) is True  # the holder's own TTL counts
