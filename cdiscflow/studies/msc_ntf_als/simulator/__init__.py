"""The built-in study's simulator: raw EDC extracts calibrated to the published results (``cdiscflow simulate``).

Nothing outside this subpackage's command imports it: the study's SDTM/ADaM/TLF programs read only the data.
"""
