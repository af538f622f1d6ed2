"""PDF conversion spread over several LibreOffice processes: balanced batches, one profile each, same bytes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cdiscflow.errors import TlfError
from cdiscflow.tlf.render import pdf
from cdiscflow.tlf.render.pdf import batches, convert_to_pdf, soffice_path

needs_soffice = pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")


def _files(tmp_path: Path, sizes: list[int]) -> list[Path]:
    paths = [tmp_path / f"f{i}.rtf" for i in range(len(sizes))]
    for path, size in zip(paths, sizes, strict=True):
        path.write_bytes(b"x" * size)
    return paths


def test_batches_put_the_largest_files_apart_and_keep_the_order(tmp_path: Path) -> None:
    f = _files(tmp_path, [100, 10, 50, 40])
    assert batches(f, 2) == [[f[0]], [f[1], f[2], f[3]]]
    assert batches(f, 1) == [f]
    assert batches(f, 9) == [[p] for p in f]  # capped by the number of files
    assert batches(f[:1], 0) == [f[:1]]


def _rtf(path: Path, n: int) -> Path:
    path.write_text("{\\rtf1\\ansi " + "\\par ".join(f"file {path.stem} line {i}" for i in range(n)) + "}")
    return path


@needs_soffice
def test_two_workers_write_the_same_bytes_as_one_each_batch_with_its_own_profile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    sources = [_rtf(tmp_path / f"t{i}.rtf", 40 * (i + 1)) for i in range(3)]
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    first = convert_to_pdf(sources, one, workers=1)
    started: list[list[str]] = []
    popen = subprocess.Popen

    def record(cmd: list[str], **kwargs: object) -> subprocess.Popen:
        started.append(cmd)
        return popen(cmd, **kwargs)

    monkeypatch.setattr(pdf.subprocess, "Popen", record)
    second = convert_to_pdf(sources, two, workers=2)
    assert sorted(first) == sorted(second) == sorted(sources)
    assert {s: first[s].read_bytes() for s in sources} == {s: second[s].read_bytes() for s in sources}
    assert first[sources[0]].read_bytes().startswith(b"%PDF")
    profiles = [arg for cmd in started for arg in cmd if arg.startswith("-env:UserInstallation=")]
    assert len(started) == 2 and len(set(profiles)) == 2
    converted = sorted(arg for cmd in started for arg in cmd if arg.endswith(".rtf"))
    assert converted == sorted(str(s) for s in sources)  # every file in exactly one batch


@needs_soffice
def test_a_file_that_fails_is_named_whichever_batch_it_was_in(tmp_path: Path) -> None:
    good = _rtf(tmp_path / "good.rtf", 3)
    bad = tmp_path / "missing.rtf"
    with pytest.raises(TlfError, match="wrote no PDF for missing.rtf.*could not be loaded"):
        convert_to_pdf([good, bad], tmp_path, workers=2)
