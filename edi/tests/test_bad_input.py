"""Bad input gets a clear answer: NotX12 for what has no readable ISA, a TA1 for a bad envelope,
a rejected transaction set (never parsed into claims) for a bad set."""

import pytest

from edi.acknowledgments import write_999
from edi.claims_out import write_837
from edi.interchange import Parties
from edi.segments import NotX12
from edi.tests.helpers import professional_claim, read


def good_text(claims=2, per_set=1) -> str:
    return "".join(
        write_837(
            [professional_claim(n) for n in range(claims)], "professional", claims_per_set=per_set
        )
    )


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is not EDI",
        b"\x00\x01\x02PK\x03\x04" * 50,
        b"ISA*00*short~",
        good_text().replace("*", "|", 3).encode(),
    ],
    ids=["text", "binary", "truncated-isa", "mixed-delimiters"],
)
def test_not_x12_is_refused_with_a_reason(data):
    with pytest.raises(NotX12):
        read(data)


def test_truncated_file_rejects_the_interchange():
    text = good_text()
    reading, results = read(text[: len(text) // 2])
    assert reading.interchange.ta1_code == "023"


def test_interchange_control_number_mismatch_is_a_ta1():
    reading, _ = read(good_text().replace("IEA*1*000000001", "IEA*1*000000002"))
    assert reading.interchange.ta1_code == "001"


def test_unknown_control_version_is_a_ta1():
    reading, _ = read(good_text().replace("*00501*", "*00401*", 1))
    assert reading.interchange.ta1_code == "017"


def test_segment_count_mismatch_rejects_only_that_set():
    text = good_text(claims=2, per_set=1).replace("SE*", "SE*9", 1)
    reading, results = read(text)
    assert [r.verdict.status for r in results] == ["R", "A"]
    assert "4" in results[0].verdict.syntax_codes
    assert results[0].claims == [] and len(results[1].claims) == 1
    (answer,) = reading.group_answers()
    assert answer.status == "P"
    ack = write_999([answer], Parties(), 3)
    assert "IK5*R*4" in ack and "IK5*A~" in ack and "AK9*P*2*2*1~" in ack


def test_set_control_number_mismatch():
    text = good_text(claims=1).replace("SE*", "SE*", 1)
    text = text.replace("*0001~\nGE", "*0009~\nGE")
    _, (result,) = read(text)
    assert "3" in result.verdict.syntax_codes


def test_unknown_implementation_guide_is_not_supported():
    text = good_text(claims=1).replace("005010X222A1", "005010X999A1")
    reading, (result,) = read(text)
    assert result.verdict.syntax_codes == ["1"] and result.claims == []


def test_missing_required_loop_and_bad_values_are_located():
    text = good_text(claims=1)
    broken = text.replace("DTP*472*D8*20260302~", "DTP*472*D8*20261399~", 1)
    broken = broken.replace("NM1*85*2*", "NM1*85*9*", 1)
    _, (result,) = read(broken)
    assert result.verdict.status == "R" and result.claims == []
    codes = {(s.segment_id, e.code) for s in result.verdict.segments for e in s.elements}
    assert ("NM1", "7") in codes and ("DTP", "8") in codes


def test_missing_billing_provider_loop():
    text = good_text(claims=1)
    start = text.index("NM1*85")
    end = text.index("HL*2")
    _, (result,) = read(text[:start] + text[end:].replace("SE*", "SE*", 1))
    assert result.verdict.status == "R"
    assert any(s.code == "3" for s in result.verdict.segments)
