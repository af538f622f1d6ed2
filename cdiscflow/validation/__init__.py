"""Validation: spec conformance, controlled terminology, SDTM/ADaM rules, XPT limits, expectation suites and the
report. ``validate_study`` is the entry point for the runner; ``cdiscflow validate`` wraps it."""

from cdiscflow.validation.api import validate, validate_study
from cdiscflow.validation.model import Finding, Report, Rule

__all__ = ["Finding", "Report", "Rule", "validate", "validate_study"]
