"""Validation: spec conformance, controlled terminology, SDTM/ADaM rules, XPT limits, expectation suites and the
report. ``validate_study`` is the entry point for the runner; ``cdiscflow validate`` wraps it.

Rules are data (``rules/*.yaml``), checks small registered functions (``checks/``); the great-expectations
suites (``suites.py``) are compiled from the dataset specs. Controlled terminology honours the study's
codelists: a value an extensible NCI codelist lacks is no finding when the study declares it as an extension
(``extend:`` on the study codelist with ``nci:`` that list, e.g. the unit ``lbf`` of UNIT), and the decodes of
an extended code list (TSPARMCD, --TESTCD) are accepted as the paired names (TSPARM, --TEST).

Explanations: a study may accept warnings (and notices) it has reviewed, with the reason, in
``validation/accepted.yaml`` inside its folder::

    accepted:
      - rule: SPEC.ORDER          # rule id as in the report (GX.* ids too)
        dataset: AE
        variable: AETERM          # optional: without it, the rule's findings on any variable of the dataset
        reason: Order kept from the legacy CRF design; agreed with the agency.

An accepted finding stays in the report (JSON ``"accepted": reason``; HTML marked "accepted" with the reason,
counted in its own column) but not in the open counts, so it does not count toward ``--fail-on``. Errors
cannot be accepted. Entries that accepted nothing are listed as unused (stale explanations show up). See
:mod:`cdiscflow.validation.accepted`.
"""

from cdiscflow.validation.api import validate, validate_study
from cdiscflow.validation.model import Finding, Report, Rule

__all__ = ["Finding", "Report", "Rule", "validate", "validate_study"]
