"""The run's index page: statuses, escaped values, links that resolve, thumbnails; checked in headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from cdiscflow.runner.graph import Graph, Step
from cdiscflow.runner.state import State
from cdiscflow.study import Study
from cdiscflow.submission.index import write_index

XSS = "<script>alert('x')</script>"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v for k, v in attrs if k in ("href", "src") and v]


def plot(path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(["A", "B", "C"], [3, 5, 2], color=["#1f77b4", "#ff7f0e", "#2ca02c"])
    ax.set_title(title)
    fig.savefig(path)
    plt.close(fig)


@pytest.fixture
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Study, Path, Graph, State]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    root = tmp_path / "study"
    root.mkdir()
    (root / "study.yaml").write_text(f"name: idx\nstudyid: IDX-1\ntitle: \"Trial {XSS} & co\"\n")
    study = Study.load(str(root), out=tmp_path / "out")
    out = study.out_dir
    files = {"sdtm/dm.xpt": "DM", "sdtm/ae.xpt": "AE", "sdtm/ae.json": "{}", "adam/adsl.xpt": "ADSL",
             "tlf/t-1.rtf": "{\\rtf1}", "tlf/t 2.html": "<p>t2</p>", "validation/report.html": "<p>ok</p>",
             "logs/sdtm.log": "mapped", "logs/adam_ADSL.log": "boom", "logs/tlf_t-1.log": "ok",
             "logs/validate.log": "ok", "logs/tlf_t 2.log": "from an older run", "package.zip": "PK",
             "manifest.json": "{}"}
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    plot(out / "tlf" / "t-1.pdf", "Table 1 first page")
    plot(out / "tlf" / "f-1.png", "Figure 1")
    graph = Graph([Step("sdtm", "m:f"), Step("adam:ADSL", "m:f", deps=("sdtm",)),
                   Step("tlf:t-1", "m:f", deps=("adam:ADSL",), salt={"entry": {"title": f"Demographics {XSS}"}}),
                   Step("tlf:f-1", "m:f", deps=("adam:ADSL",)), Step("tlf:t 2", "m:f", deps=("adam:ADSL",)),
                   Step("validate", "m:f", deps=("adam:ADSL",))])
    state = State(out)
    state.steps = {
        "sdtm": {"status": "ok", "outputs": {"sdtm/ae.json": "1", "sdtm/ae.xpt": "2", "sdtm/dm.xpt": "3"}},
        "adam:ADSL": {"status": "failed", "error": f"DerivationError: {XSS}", "outputs": {}},
        "tlf:t-1": {"status": "ok", "outputs": {"tlf/t-1.rtf": "4", "tlf/t-1.pdf": "5"}},
        "tlf:f-1": {"status": "ok", "outputs": {"tlf/f-1.png": "6"}},
        "tlf:t 2": {"status": "skipped", "error": "needs adam:ADSL (failed)", "outputs": {"tlf/t 2.html": "7"}},
        "validate": {"status": "ok", "outputs": {"validation/report.html": "8"}},
    }
    return study, out, graph, state


def test_index_lists_statuses_and_escapes_every_value(run_dir):
    study, out, graph, state = run_dir
    html = write_index(study, out, graph, state).read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") == 3  # study title, TLF title, error message
    for status in ("ok", "failed", "skipped"):
        assert f'class="status s-{status}"' in html
    assert "needs adam:ADSL (failed)" in html and "run stamp 2026-01-01T00:00:00" in html
    # datasets get a row each (the SDTM step writes several), with their XPT and Dataset-JSON links
    assert '<td>AE</td>' in html and '<td>DM</td>' in html and '<a href="sdtm/ae.json">ae.json</a>' in html
    assert '<td>ADSL</td>' in html  # a failed dataset step still has its row, with the error


def test_every_link_resolves_and_thumbnails_exist(run_dir):
    study, out, graph, state = run_dir
    page = write_index(study, out, graph, state)
    parser = Links()
    parser.feed(page.read_text())
    assert parser.refs, "no links"
    for ref in parser.refs:
        assert not urlparse(ref).scheme and not ref.startswith("/"), ref
        assert (out / unquote(ref)).is_file(), ref
    refs = set(parser.refs)
    assert {"sdtm/dm.xpt", "logs/sdtm.log", "logs/adam_ADSL.log", "tlf/f-1.png", "tlf/t%202.html",
            "manifest.json", "package.zip", "validation/report.html"} <= refs
    assert "logs/tlf_t%202.log" not in refs  # a skipped step's log is from an older run
    if shutil.which("pdftoppm"):
        thumbs = [r for r in refs if r.startswith("thumbs/t-1-")]
        assert len(thumbs) == 1 and (out / thumbs[0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.read_text().count("no preview") == 1 + (0 if shutil.which("pdftoppm") else 1)  # "t 2"


def test_thumbnail_is_rendered_again_only_when_the_pdf_changes(run_dir):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed")
    study, out, graph, state = run_dir
    write_index(study, out, graph, state)
    (first,) = (out / "thumbs").iterdir()
    stamp = first.stat().st_mtime_ns
    write_index(study, out, graph, state)
    assert first.stat().st_mtime_ns == stamp
    plot(out / "tlf" / "t-1.pdf", "Another first page")
    write_index(study, out, graph, state)
    (second,) = (out / "thumbs").iterdir()
    assert second.name != first.name


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium not installed (.ci/run installs Debian's chromium)")
    return exe


def browse(exe: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
             f"--user-data-dir={tmp / 'profile'}"]
    return subprocess.run([exe, *flags, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HOME": str(tmp)})


@pytest.mark.slow
def test_index_in_headless_chromium(run_dir, tmp_path: Path):
    exe = chromium()
    study, out, graph, state = run_dir
    page = write_index(study, out, graph, state)
    dom = browse(exe, tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "IDX-1" in dom.stdout and "Tables, listings and figures" in dom.stdout
    parser = Links()
    parser.feed(dom.stdout)  # the links as the browser sees them
    assert parser.refs and all((out / unquote(r)).is_file() for r in parser.refs)
    shot = tmp_path / "index.png"
    done = browse(exe, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", "--hide-scrollbars",
                  page.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    import matplotlib.image

    pixels = matplotlib.image.imread(str(shot))
    assert pixels.shape[0] == 1600 and pixels.shape[1] == 1280
    assert pixels.std() > 0.05  # not a blank page
    shutil.copy(shot, Path(os.environ.get("CDISCFLOW_SCREENSHOT_DIR", tmp_path)) / "index-screenshot.png")


def test_a_long_error_is_folded_and_still_escaped(run_dir):
    study, out, graph, state = run_dir
    state.steps["adam:ADSL"]["error"] = "DerivationError: " + "x" * 300 + XSS
    html = write_index(study, out, graph, state).read_text()
    assert "<script>" not in html and '<details class="error"><summary>DerivationError: xxx' in html
    assert "x" * 300 + "&lt;script&gt;" in html
