"""Fingerprints and code versions."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.runner import hashing
from cdiscflow.runner.hashing import FileHashes, code_hash, fingerprint


def test_code_hash_follows_the_content_of_the_named_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pkg = tmp_path / "pkg"
    (pkg / "stage").mkdir(parents=True)
    (pkg / "stage" / "a.py").write_text("A = 1\n")
    (pkg / "other.py").write_text("B = 1\n")
    monkeypatch.setattr(hashing, "PACKAGE_DIR", pkg)
    first = code_hash(["stage"])
    (pkg / "other.py").write_text("B = 2\n")
    (pkg / "stage" / "__pycache__").mkdir()
    (pkg / "stage" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    (pkg / "stage" / ".a.py.123.tmp").write_text("editor temp")
    assert code_hash(["stage"]) == first  # unrelated source, bytecode and temp files do not count
    (pkg / "stage" / "a.py").write_text("A = 2\n")
    assert code_hash(["stage"]) != first
    assert code_hash(["stage", "other.py"]) != code_hash(["stage"])


def test_code_hash_includes_the_package_version(monkeypatch: pytest.MonkeyPatch):
    before = code_hash(["runner/graph.py"])
    monkeypatch.setattr(hashing.cdiscflow, "__version__", "99.0")
    assert code_hash(["runner/graph.py"]) != before


def test_fingerprint_changes_with_every_ingredient():
    base = dict(step_id="s", action="m:f", params={"a": 1}, code="c", inputs={"x": "1", "y": "2"}, epoch=0)
    fp = fingerprint(**base)
    assert fingerprint(**{**base, "inputs": {"y": "2", "x": "1"}}) == fp  # order does not matter
    for change in ({"params": {"a": 2}}, {"code": "d"}, {"inputs": {"x": "1", "y": "3"}}, {"epoch": 1},
                   {"action": "m:g"}, {"step_id": "t"}):
        assert fingerprint(**{**base, **change}) != fp, change


def test_file_hashes_are_by_content_not_time(tmp_path: Path):
    path = tmp_path / "f.txt"
    path.write_text("hello")
    hashes = FileHashes()
    digest = hashes(path)
    assert digest == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    assert hashes(tmp_path / "missing") == "missing"


def _age(path: Path, seconds: int) -> None:
    """Set ``path``'s mtime ``seconds`` into the past (older than the racy window)."""
    import os
    import time

    then = time.time_ns() - seconds * 1_000_000_000
    os.utime(path, ns=(then, then))


def test_stat_cache_spares_reading_unchanged_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    f, cache = tmp_path / "a.txt", tmp_path / ".hashes.json"
    f.write_text("one")
    _age(f, 10)
    first = FileHashes(cache)
    digest = first(f)
    first.save()
    reads: list[Path] = []
    monkeypatch.setattr(hashing, "sha256_file", lambda p: reads.append(p) or "re-read")
    assert FileHashes(cache)(f) == digest and reads == []  # same size and mtime: the recorded sha256
    f.write_text("two")  # new size and mtime
    assert FileHashes(cache)(f) == "re-read" and reads == [f]
    assert FileHashes(cache)(tmp_path / "gone.txt") == "missing"


def test_stat_cache_distrusts_a_file_modified_as_it_was_hashed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    f, cache = tmp_path / "a.txt", tmp_path / ".hashes.json"
    f.write_text("one")  # mtime = now: within the racy window of its recording
    first = FileHashes(cache)
    first(f)
    first.save()
    monkeypatch.setattr(hashing, "sha256_file", lambda p: "re-read")
    assert FileHashes(cache)(f) == "re-read"


def test_stat_cache_unreadable_or_absent_means_hash_everything(tmp_path: Path):
    f, cache = tmp_path / "a.txt", tmp_path / ".hashes.json"
    f.write_text("one")
    cache.write_text("{not json")
    assert FileHashes(cache)(f) == FileHashes()(f)
    FileHashes().save()  # no cache file: nothing written
    assert cache.read_text() == "{not json"
