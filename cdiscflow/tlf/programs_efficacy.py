"""The generic efficacy and time-to-event programs, one module per concept (imported here so that every
study's catalog can name them):

``ancova`` (:mod:`~cdiscflow.tlf.programs_ancova`) — descriptive sections, ANCOVA LS-mean differences and a
dose-response test at one analysis visit.
``mmrm`` (:mod:`~cdiscflow.tlf.programs_mmrm`) — repeated-measures model (unstructured covariance, REML,
Kenward–Roger/Satterthwaite df): LS means and pairwise differences.
``categorical_by_visit`` (:mod:`~cdiscflow.tlf.programs_categorical`) — counts of a categorical response per
visit with a stratified CMH p-value.
``summary_over_visits`` (:mod:`~cdiscflow.tlf.programs_visits`) — wide descriptive statistics per treatment
and analysis row (visit, imputation).
``tte_table`` and ``km_figure`` (:mod:`~cdiscflow.tlf.programs_tte`) — Kaplan–Meier summaries (medians with
CIs, log-rank p, Cox hazard ratios) as a table, and Kaplan–Meier curves with numbers at risk.
``mean_plot``, ``box_plot`` and ``forest_plot`` (:mod:`~cdiscflow.tlf.programs_plots`) — mean (SE) and box
plots over visits, and a treatment difference by subgroup.
"""

from cdiscflow.tlf import (
    programs_ancova,
    programs_categorical,
    programs_mmrm,
    programs_plots,
    programs_tte,
    programs_visits,
)

__all__ = ["programs_ancova", "programs_categorical", "programs_mmrm", "programs_plots", "programs_tte",
           "programs_visits"]
