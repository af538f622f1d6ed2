"""``cdiscflow package`` on the outputs of a run."""

from __future__ import annotations

from pathlib import Path

from cdiscflow import cli


def test_package_command(tmp_path: Path, capsys):
    root = tmp_path / "s"
    (root / "specs").mkdir(parents=True)
    (root / "study.yaml").write_text("name: s\nstudyid: S-1\n")
    (tmp_path / "out" / "s" / "sdtm").mkdir(parents=True)
    (tmp_path / "out" / "s" / "sdtm" / "dm.xpt").write_bytes(b"DM")
    # an incomplete package is built, listed and flagged (exit 1)
    assert cli.main(["package", "--study", str(root), "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "(2 files, checksums in checksums.sha256)" in out  # dm.xpt and the program study.txt
    assert "  m5/datasets/s-1/tabulations/sdtm/dm.xpt\n" in out
    assert "check: m5/datasets/s-1/tabulations/sdtm/acrf.pdf: missing\n" in out
    assert "check: 3 problem(s)" in out  # define.xml, acrf.pdf, csdrg.pdf
    assert (tmp_path / "out/s/package/m5/datasets/s-1/tabulations/sdtm/dm.xpt").read_bytes() == b"DM"
    assert (tmp_path / "out/s/package.zip").is_file()
    sdtm = tmp_path / "out/s/package/m5/datasets/s-1/tabulations/sdtm"
    for name in ("define.xml", "acrf.pdf", "csdrg.pdf"):
        (sdtm / name).write_bytes(b"<ODM/>" if name.endswith(".xml") else b"%PDF")
    assert cli.main(["package", "--check", "--study", str(root), "--out", str(tmp_path / "out")]) == 0
    assert "check: 0 problem(s)" in capsys.readouterr().out


def test_package_check_without_a_package_is_an_error(tmp_path: Path, capsys):
    root = tmp_path / "s"
    root.mkdir()
    (root / "study.yaml").write_text("name: s\nstudyid: S-1\n")
    assert cli.main(["package", "--check", "--study", str(root), "--out", str(tmp_path / "out")]) == 2
    assert "no package in" in capsys.readouterr().err


def test_package_command_without_outputs_is_an_error(tmp_path: Path, capsys):
    root = tmp_path / "s"
    root.mkdir()
    (root / "study.yaml").write_text("name: s\nstudyid: S-1\n")
    assert cli.main(["package", "--study", str(root), "--out", str(tmp_path / "out")]) == 2
    assert "no outputs in" in capsys.readouterr().err
