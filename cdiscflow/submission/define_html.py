"""A reviewer's HTML view of a define.xml (own jinja2 template, every value escaped; not the CDISC XSL)."""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cdiscflow.submission.define import DefineDoc


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=PackageLoader("cdiscflow.submission", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render_html(doc: DefineDoc) -> str:
    """The define document as one self-contained HTML page with a table of contents and internal links."""
    return _env().get_template("define.html.j2").render(
        doc=doc,
        methods={m.oid: m for m in doc.methods},
        comments={c.oid: c for c in doc.comments},
        codelists={c.oid: c for c in doc.codelists},
        groups_by_vl={oid: g for g in doc.groups for i in g.items if (oid := i.value_list_oid)},
        used_by=_codelist_users(doc),
    )


def _codelist_users(doc: DefineDoc) -> dict[str, list[str]]:
    """Codelist OID → the dataset variables (``DS.VAR``, once each, in document order) that use it."""
    users: dict[str, list[str]] = {}
    for g in doc.groups:
        vl_items = [i for item in g.items if item.value_list_oid for i in doc.value_lists[item.value_list_oid]]
        for item in [*g.items, *vl_items]:
            name = f"{g.name}.{item.name}"
            if item.codelist_oid and name not in users.setdefault(item.codelist_oid, []):
                users[item.codelist_oid].append(name)
    return users
