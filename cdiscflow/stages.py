"""The stages of a study, in data-flow order: one table shared by the CLI and the runner.

Each :class:`Stage` names its command (``cdiscflow <name>``: a module with ``run(args) -> int``, imported only
when the command runs), the library function the runner's step calls (``module:function``, imported in the
worker), the ``cdiscflow`` sources whose content is its code version (the runner's incrementality), and the
stage folders of ``out/<study>/`` it reads and writes::

    raw ─ sdtm ─ adam ─┬─ validate
                       ├─ define
                       ├─ tlf ─ tlf_pdf ─ tlf_book ─ package (everything)
    raw ─ acrf               validate ─ guides
"""

from __future__ import annotations

from dataclasses import dataclass

#: sources every stage that reads a study depends on (relative to the ``cdiscflow`` package)
COMMON_CODE = ("io", "specs", "expr.py", "registry.py", "study.py", "studyload.py", "provenance.py", "errors.py")


@dataclass(frozen=True)
class Stage:
    name: str
    command: str | None  # module of ``cdiscflow <name>`` (None: a runner-only step)
    function: str  # ``module:function`` called by the runner's step adapter
    code: tuple[str, ...]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    help: str


STAGES: dict[str, Stage] = {s.name: s for s in (
    Stage("simulate", "cdiscflow.simulate", "cdiscflow.simulate:simulate",
          ("simulate.py", "io", "study.py", "studyload.py", "provenance.py", "errors.py"), (), ("raw",),
          "simulate a study's raw EDC extracts (studies with a simulator)"),
    Stage("sdtm", "cdiscflow.mapping.command", "cdiscflow.mapping.study:map_study", ("mapping", *COMMON_CODE),
          ("raw",), ("sdtm",), "map raw extracts to SDTM (with reconciliation)"),
    Stage("adam", "cdiscflow.adam.command", "cdiscflow.adam.engine:derive_study", ("adam", *COMMON_CODE),
          ("sdtm",), ("adam",), "derive ADaM datasets from SDTM"),
    Stage("validate", "cdiscflow.validation.command", "cdiscflow.validation:validate_study",
          ("validation", *COMMON_CODE), ("sdtm", "adam"), ("validation",),
          "validate SDTM/ADaM against specs, CT and rules"),
    Stage("define", "cdiscflow.submission.define_command", "cdiscflow.submission.define_command:write_define",
          ("submission/define*", "submission/templates/define*", *COMMON_CODE), ("sdtm", "adam"), ("define",),
          "write define.xml 2.1 for SDTM and ADaM"),
    Stage("tlf", "cdiscflow.tlf.command", "cdiscflow.tlf.engine:run_catalog", ("tlf", *COMMON_CODE), ("sdtm", "adam"),
          ("tlf",), "produce tables, listings and figures"),
    Stage("tlf_pdf", None, "cdiscflow.tlf.render.pdf:convert_to_pdf", ("tlf/render/pdf.py",), ("tlf",), ("tlf",),
          "PDFs of the TLF RTFs (one LibreOffice process per CPU)"),
    Stage("tlf_book", None, "cdiscflow.tlf.book:write_book", ("tlf/book.py", "tlf/catalog.py", *COMMON_CODE),
          ("tlf",), ("tlf",), "the TLF book: book.pdf (contents, bookmarks) and book.rtf, in catalog order"),
    Stage("acrf", None, "cdiscflow.submission.acrf:write_acrf", ("submission/acrf.py", *COMMON_CODE), ("raw",),
          ("acrf",), "the annotated CRF from the data dictionary and the SDTM specs (or the study's own)"),
    Stage("guides", None, "cdiscflow.submission.guides:write_guides",
          ("submission/guides.py", "submission/acrf.py", "tlf/render", *COMMON_CODE),
          ("sdtm", "adam", "validation"), ("guides",), "the reviewer's guides (cSDRG, ADRG)"),
    Stage("package", "cdiscflow.submission.package_command", "cdiscflow.submission.package:build_package",
          ("submission/package.py", "submission/layout.py", "provenance.py", "io/atomic.py"),
          ("raw", "sdtm", "adam", "validation", "define", "tlf", "acrf", "guides"), ("package",), "assemble the submission package"),
)}
