"""Statistics for TLFs: descriptive summaries, hypothesis tests (incl. CMH), linear models, MMRM and survival.

Every function returns plain numbers or DataFrames (unformatted); formatting happens when results are
put into an analysis results dataset (:mod:`cdiscflow.tlf.ard`).
"""

from cdiscflow.tlf.stats.cmh import cmh_test
from cdiscflow.tlf.stats.descriptive import Precision, count_by_group, describe
from cdiscflow.tlf.stats.inference import (
    anova_oneway,
    chisq_test,
    correlation,
    diff_proportions_ci,
    fisher_exact,
    ttest_paired,
    ttest_two_sample,
    wilcoxon_rank_sum,
    wilcoxon_signed_rank,
)
from cdiscflow.tlf.stats.mmrm import MmrmFit, fit_mmrm
from cdiscflow.tlf.stats.models import AncovaResult, ancova, dose_response

__all__ = [
    "AncovaResult", "MmrmFit", "Precision", "ancova", "anova_oneway", "chisq_test", "cmh_test", "correlation",
    "count_by_group", "fit_mmrm",
    "describe", "diff_proportions_ci", "dose_response", "fisher_exact", "ttest_paired", "ttest_two_sample",
    "wilcoxon_rank_sum", "wilcoxon_signed_rank",
]
