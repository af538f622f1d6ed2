"""The generic efficacy and time-to-event programs, one module per concept (imported here so that every
study's catalog can name them):

``ancova`` (:mod:`~cdiscflow.tlf.programs_ancova`) — descriptive sections, ANCOVA LS-mean differences and a
dose-response test at one analysis visit.
"""

from cdiscflow.tlf import programs_ancova

__all__ = ["programs_ancova"]
