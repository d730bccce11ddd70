"""Phone numbers: mainland mobiles (1[3-9] + 9 digits, optional +86) and fixed lines."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lehuo.lib.identity import IdentityError, mask_phone, normalise_phone


@settings(max_examples=100, deadline=None)
@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9),
       st.sampled_from(["", "+86", "+86 ", "0086", "86"]))
def test_mobiles_are_normalised_to_eleven_digits(second, rest, prefix):
    raw = f"{prefix}1{second}{rest}"
    if prefix == "86":
        raw = "+" + raw
    assert normalise_phone(raw) == f"1{second}{rest}"


@pytest.mark.parametrize("raw", ["12345678901", "1381234567", "138123456789", "abc", "+1 415 555 0100", "10086"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(IdentityError):
        normalise_phone(raw)


def test_separators_are_ignored():
    assert normalise_phone("138-1234-5678") == "13812345678"
    assert normalise_phone("(138) 1234 5678") == "13812345678"


def test_shanghai_fixed_line_keeps_its_area_code():
    assert normalise_phone("021-62345678") == "02162345678"


def test_mask_keeps_first_three_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
