import pytest

from cdiscflow.tlf.render.pdf import pin_pdf

PDF = (b"%PDF-1.7\n1 0 obj <</CreationDate(D:20261126080027Z')/ModDate(D:20261126080028+01'00')>> endobj\n"
       b"trailer <</Size 2/ID [ <F603851FB6576F55202483A965DAEF8E>\n<F603851FB6576F55202483A965DAEF8E> ]\n"
       b"/DocChecksum /4D0A1D3DFA354A9686F517C23300461C\n>>\n%%EOF\n")


def test_pin_pdf_pins_dates_and_id_keeping_offsets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    pinned = pin_pdf(PDF)
    assert len(pinned) == len(PDF)
    assert b"(D:20231114221320Z')" in pinned and b"(D:20231114221320+01'00')" in pinned
    assert b"F603851FB6576F55202483A965DAEF8E" not in pinned
    # the /ID depends on the content, not on when LibreOffice ran
    assert b"4D0A1D3DFA354A9686F517C23300461C" not in pinned
    later = (PDF.replace(b"20261126080027", b"20270101000000").replace(b"F6038", b"AAAAA")
             .replace(b"4D0A1D", b"123456"))
    assert pin_pdf(later) == pinned
    assert pin_pdf(PDF.replace(b"Size 2", b"Size 3")) != pinned
