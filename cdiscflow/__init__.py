"""cdiscflow: raw CRF/EDC extracts → SDTM → ADaM → validation → define.xml / XPT / Dataset-JSON → TLFs."""

__version__ = "0.1.0"
