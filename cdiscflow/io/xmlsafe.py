"""Safe XML parsing: no entity resolution, no network, no huge trees from untrusted input."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from cdiscflow.errors import SpecError


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_blank_text=False)


def parse_xml(path: Path | str) -> etree._ElementTree:
    """Parse an XML file with entity resolution and network access off."""
    try:
        return etree.parse(str(path), safe_parser())
    except (OSError, etree.XMLSyntaxError) as exc:
        raise SpecError(f"cannot parse XML: {exc}", file=str(path), expected="well-formed XML") from None
