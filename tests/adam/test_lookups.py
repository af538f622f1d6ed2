"""cdiscflow.adam.lookups: admiral's country_code_lookup (ISO 3166-1 alpha-3, numbered by alphabetical rank)."""

from __future__ import annotations

from cdiscflow.adam.lookups import country_code_lookup


def test_country_code_lookup_is_admirals_table() -> None:
    table = country_code_lookup()
    assert list(table.columns) == ["country_code", "country_name", "country_number"]
    assert len(table) == 249 and table["country_code"].is_unique and table["country_code"].str.fullmatch("[A-Z]{3}").all()
    assert table["country_code"].is_monotonic_increasing
    assert table["country_number"].tolist() == list(range(1, 250))
    # USA's 235 is pharmaverseadam's ADPPK.COUNTRYN (admiral's own table)
    rows = table.set_index("country_code").loc[["ABW", "USA", "ZWE"]]
    assert rows.values.tolist() == [["Aruba", 1.0], ["United States of America", 235.0], ["Zimbabwe", 249.0]]


def test_country_code_lookup_returns_a_copy() -> None:
    table = country_code_lookup()
    table.loc[0, "country_name"] = "changed"
    assert country_code_lookup().loc[0, "country_name"] == "Aruba"
