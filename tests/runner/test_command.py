"""``cdiscflow run`` end to end with test step kinds: incremental runs, failures, --only, --dry-run, logs."""

from __future__ import annotations

import json
from pathlib import Path

STEPS = ["simulate", "sdtm", "acrf", "adam:ADSL", "adam:ADAE", "adam:ADVS", "validate", "define", "tlf:t-1", "tlf:t-2",
         "tlf:f-1", "tlf-pdf", "tlf-book", "guides", "package"]


def ran(out: str) -> list[str]:
    """Step ids reported as run (``ok``) in plain progress lines."""
    return [line.split()[2] for line in out.splitlines() if line.startswith("[") and line.split()[1] == "ok"]


def state(out_dir: Path) -> dict:
    return json.loads((out_dir / ".state.json").read_text())["steps"]


def test_first_run_runs_everything_and_second_does_nothing(study_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    code, text = run_cli(str(study_dir), "--out", str(out))
    assert code == 0, text
    assert sorted(ran(text)) == sorted(STEPS)
    study_out = out / "teststudy"
    for rel in ("raw/dm.csv", "sdtm/dm.xpt", "sdtm/suppae.xpt", "adam/adae.xpt", "define/adam/define.xml",
                "validation/report.html", "tlf/t-1.rtf", "tlf/t-1.pdf", "tlf/f-1.png", "package.zip",
                "manifest.json", "index.html"):
        assert (study_out / rel).is_file(), rel
    assert not (study_out / "tlf" / "index.html").exists()  # not an output of any step: dropped
    assert not (study_out / ".tmp").exists() or not any((study_out / ".tmp").iterdir())

    code, text = run_cli(str(study_dir), "--out", str(out))
    assert code == 0
    assert ran(text) == []
    assert "Nothing to do: all 15 steps are up to date." in text


def test_touching_a_spec_reruns_only_its_dependants(study_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    run_cli(str(study_dir), "--out", str(out))
    adae = study_dir / "specs/adam/adae.yaml"
    adae.write_text(adae.read_text().replace("AE Analysis", "Adverse Event Analysis"))
    code, text = run_cli(str(study_dir), "--out", str(out))
    assert code == 0
    # t-2 reads ADAE; validate, define, guides and package read everything; tlf-pdf reads t-2's RTF, which
    # changed, and the book its RTF and PDF
    assert sorted(ran(text)) == sorted(["adam:ADAE", "validate", "define", "guides", "tlf:t-2", "tlf-pdf",
                                        "tlf-book", "package"])

    vs = study_dir / "specs/sdtm/vs.yaml"
    vs.write_text(vs.read_text().replace("Vital Signs", "Vital Signs Data"))
    code, text = run_cli(str(study_dir), "--out", str(out))
    # the SDTM step re-maps every domain, but only vs.xpt changes: ADSL (source DM) and ADAE (AE, SUPPAE)
    # stay up to date; ADVS has no source, so it reads all of SDTM and re-runs; the aCRF reads the SDTM specs
    assert sorted(ran(text)) == sorted(["sdtm", "acrf", "adam:ADVS", "validate", "define", "guides", "tlf:f-1",
                                        "package"])


def test_a_study_program_change_reruns_everything_downstream_of_it(study_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    run_cli(str(study_dir), "--out", str(out))
    (study_dir / "programs.py").write_text("X = 2\n")
    _, text = run_cli(str(study_dir), "--out", str(out))
    # simulate re-runs but writes the same raw bytes, so SDTM is a no-op change: its outputs are identical
    assert "simulate" in ran(text) and "sdtm" in ran(text) and "package" in ran(text)


def test_a_deleted_or_edited_output_is_rebuilt(study_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    run_cli(str(study_dir), "--out", str(out))
    (out / "teststudy/adam/adsl.xpt").unlink()
    (out / "teststudy/tlf/t-2.html").write_text("edited by hand")
    _, text = run_cli(str(study_dir), "--out", str(out))
    assert {"adam:ADSL", "tlf:t-2"} <= set(ran(text))
    assert (out / "teststudy/adam/adsl.xpt").is_file()
    assert "edited by hand" not in (out / "teststudy/tlf/t-2.html").read_text()


def test_failure_stops_only_dependants_and_is_summarized(study_dir, tmp_path, run_cli):
    adsl = study_dir / "specs/adam/adsl.yaml"
    out = tmp_path / "out"
    run_cli(str(study_dir), "--out", str(out))
    before = (out / "teststudy/adam/adsl.xpt").read_bytes()
    adsl.write_text(adsl.read_text() + "settings: {fail: true}\n")
    code, text = run_cli(str(study_dir), "--out", str(out))
    assert code == 1
    assert "FAILED      adam:ADSL: " in text and "planted failure in ADSL" in text
    assert "SKIPPED     tlf:t-2: needs adam:ADSL (failed)" in text  # the root cause, not the skipped link
    st = state(out / "teststudy")
    assert st["adam:ADSL"]["status"] == "failed"
    assert {st[s]["status"] for s in ("adam:ADAE", "adam:ADVS", "tlf:t-1", "validate", "package")} == {"skipped"}
    # the previous output is untouched (a failed step publishes nothing) and the log has the traceback
    assert (out / "teststudy/adam/adsl.xpt").read_bytes() == before
    log = (out / "teststudy/logs/adam_ADSL.log").read_text()
    assert "Traceback" in log and "planted failure in ADSL" in log

    adsl.write_text(adsl.read_text().replace("settings: {fail: true}\n", ""))
    code, text = run_cli(str(study_dir), "--out", str(out))
    assert code == 0 and "adam:ADSL" in ran(text)


def test_independent_steps_run_past_a_failure(study_dir, tmp_path, run_cli):
    catalog = study_dir / "tlf/catalog.yaml"
    catalog.write_text(catalog.read_text() + "  - {id: fail-1, datasets: [ADSL], program: p, formats: [rtf]}\n")
    code, text = run_cli(str(study_dir), "--out", str(tmp_path / "out"))
    assert code == 1
    assert {"tlf:t-1", "tlf:t-2", "tlf:f-1", "validate", "define"} <= set(ran(text))
    assert "FAILED      tlf:fail-1: planted failure in fail-1" in text
    assert "SKIPPED     package: needs tlf:fail-1 (failed)" in text


def test_only_runs_a_subset_and_what_it_needs(study_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    code, text = run_cli(str(study_dir), "--out", str(out), "--only", "adae")
    assert code == 0
    assert sorted(ran(text)) == ["adam:ADAE", "adam:ADSL", "sdtm", "simulate"]
    assert not (out / "teststudy/adam/advs.xpt").exists()
    _, text = run_cli(str(study_dir), "--out", str(out), "--only", "tlf")
    assert sorted(ran(text)) == ["adam:ADVS", "tlf:f-1", "tlf:t-1", "tlf:t-2"]  # the stage, not tlf-pdf
    code, text = run_cli(str(study_dir), "--out", str(out), "--only", "nosuchstep")
    assert code == 2


def test_dry_run_prints_the_plan_and_runs_nothing(study_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    code, text = run_cli(str(study_dir), "--out", str(out), "--dry-run")
    assert code == 0 and "adam:ADAE" in text and "run (never ran)" in text and "15 step(s) would run." in text
    assert not (out / "teststudy" / "sdtm").exists()
    run_cli(str(study_dir), "--out", str(out))
    tlf = study_dir / "tlf/catalog.yaml"
    tlf.write_text(tlf.read_text().replace("Demographics", "Demography"))
    _, text = run_cli(str(study_dir), "--out", str(out), "--dry-run")
    lines = {line.split()[0]: line for line in text.splitlines()[1:-1]}
    assert "run (changed)" in lines["tlf:t-1"] and "up to date" in lines["tlf:t-2"]
    assert "run (after tlf:t-1)" in lines["package"]
    assert "run (after tlf:t-1)" in lines["tlf-book"]
    assert "4 step(s) would run." in text  # t-1, tlf-pdf, tlf-book, package


def test_force_reruns_everything(study_dir, tmp_path, run_cli):
    out = tmp_path / "out"
    run_cli(str(study_dir), "--out", str(out))
    _, text = run_cli(str(study_dir), "--out", str(out), "--force")
    assert sorted(ran(text)) == sorted(STEPS)


def test_logs_capture_prints_and_logging(study_dir, tmp_path, run_cli):
    out = tmp_path / "out" / "teststudy"
    run_cli(str(study_dir), "--out", str(tmp_path / "out"))
    assert "mapped AE, DM, SUPPAE, VS" in (out / "logs/sdtm.log").read_text()
    assert "INFO runner_kinds: sdtm done" in (out / "logs/sdtm.log").read_text()
    assert "WARNING runner_kinds: derived ADVS" in (out / "logs/adam_ADVS.log").read_text()
    assert sorted(p.name for p in (out / "logs").iterdir()) == sorted(
        s.replace(":", "_") + ".log" for s in STEPS)


def test_parallel_run_gives_the_same_bytes_as_a_serial_one(study_dir, tmp_path, run_cli):
    from test_determinism import tree

    assert run_cli(str(study_dir), "--out", str(tmp_path / "a"), "-j", "1", "--reproducible")[0] == 0
    code, text = run_cli(str(study_dir), "--out", str(tmp_path / "b"), "-j", "2", "--reproducible")
    assert code == 0, text
    assert tree(tmp_path / "a" / "teststudy") == tree(tmp_path / "b" / "teststudy")


def test_validation_errors_make_the_run_fail(study_dir, tmp_path, run_cli, monkeypatch):
    """--fail-on (default error): findings of that severity or worse give exit 1, and the summary and the index
    page show the counts (a run whose validation found errors must not look ok)."""
    import runner_kinds

    real = runner_kinds.validate

    def with_findings(ctx):
        real(ctx)
        report = ctx.output_dir("validation") / "report.json"
        report.write_text(json.dumps({"summary": {"by_severity": {"error": 3, "warning": 1, "notice": 0}}}))

    monkeypatch.setattr(runner_kinds, "validate", with_findings)
    out = tmp_path / "out"
    code, text = run_cli(str(study_dir), "--out", str(out))
    assert code == 1
    assert "Validation: 3 error, 1 warning, 0 notice — FAILS --fail-on error" in text
    assert "3 error" in (out / "teststudy" / "index.html").read_text()
    assert run_cli(str(study_dir), "--out", str(out), "--fail-on", "never")[0] == 0
    monkeypatch.setattr(runner_kinds, "validate", lambda ctx: (real(ctx), (ctx.output_dir("validation") /
                        "report.json").write_text('{"summary": {"by_severity": {"error": 0, "warning": 2}}}')))
    assert run_cli(str(study_dir), "--out", str(out), "--force")[0] == 0
    assert run_cli(str(study_dir), "--out", str(out), "--fail-on", "warning")[0] == 1
