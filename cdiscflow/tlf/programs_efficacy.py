"""The generic efficacy and time-to-event programs, one module per concept (imported here so that every
study's catalog can name them):

``ancova`` (:mod:`~cdiscflow.tlf.programs_ancova`) — descriptive sections, ANCOVA LS-mean differences and a
dose-response test at one analysis visit.
``mmrm`` (:mod:`~cdiscflow.tlf.programs_mmrm`) — repeated-measures model (unstructured covariance, REML,
Kenward–Roger/Satterthwaite df): LS means and pairwise differences.
"""

from cdiscflow.tlf import programs_ancova, programs_mmrm

__all__ = ["programs_ancova", "programs_mmrm"]
