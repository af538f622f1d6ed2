"""Tables, listings and figures: statistics → analysis results (ARD) → layout → RTF/DOCX/HTML/PDF.

Modules: :mod:`~cdiscflow.tlf.stats` (descriptive, inference, models), :mod:`~cdiscflow.tlf.rounding`,
:mod:`~cdiscflow.tlf.ard`, :mod:`~cdiscflow.tlf.analyses` (ARD builders), :mod:`~cdiscflow.tlf.layout`
(table/listing/figure model), :mod:`~cdiscflow.tlf.shells` (ARD → table), :mod:`~cdiscflow.tlf.figures`,
:mod:`~cdiscflow.tlf.render`, :mod:`~cdiscflow.tlf.catalog`, :mod:`~cdiscflow.tlf.engine`
(``run_catalog``), :mod:`~cdiscflow.tlf.programs` (generic ``summary``/``incidence``/``listing`` programs).

Adding outputs to a study
-------------------------
1. List them in ``<study>/tlf/catalog.yaml`` (format in :mod:`cdiscflow.tlf.catalog`). Demographic-style
   summaries, incidence tables and listings need no code: name ``program: summary | incidence | listing``
   and give ``options`` (see :mod:`cdiscflow.tlf.programs`).
2. For anything else write a small program in ``<study>/tlf_programs.py``::

       from cdiscflow.registry import register
       from cdiscflow.tlf.analyses import Groups, ancova_analysis, summarize_continuous
       from cdiscflow.tlf.ard import concat_ard
       from cdiscflow.tlf.figures import figure_output, new_figure
       from cdiscflow.tlf.result import ProgramResult

       @register("tlf")
       def slope_figure(ctx):                       # ctx: cdiscflow.tlf.engine.TlfContext
           data = ctx.analysis_data("ADSLOPE", ctx.options.get("where"))   # population-restricted
           groups = Groups("TRT01P", ("Placebo", "MSC-NTF"))
           ard = concat_ard([ancova_analysis(data, "CHG", groups, covariates=["BASE"], rule=ctx.rule)],
                            ctx.spec.id)
           fig, ax = new_figure(9, 5)
           ...                                        # draw from the ARD's values, not from raw data
           return ProgramResult(ard, figure_output(ctx.frame(), fig, alt="LS mean change by week"))

   A table program returns ``ProgramResult(ard, Table(...))``; build the table from the ARD's
   ``formatted`` texts (:class:`~cdiscflow.tlf.shells.Cells`), never by computing in the layout.
3. ``cdiscflow tlf --study <name>`` writes ``<id>.{rtf,docx,html,pdf}``, ``<id>.ard.csv/.json`` and
   ``index.html``. Every number is in the ARD with the rounding rule and the inputs' sha256 in its metadata.
"""
