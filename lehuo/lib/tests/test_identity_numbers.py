"""ID numbers (GB 11643-1999, permits, foreigners' permanent residence ID) against core/identity.py."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lehuo.lib.identity import ID_FOREIGN, ID_HK, ID_MO, ID_RIC, ID_TW, IdentityError, parse_id_number

WEIGHTS = [(2 ** (17 - i)) % 11 for i in range(17)]
TODAY = dt.date(2026, 6, 1)


def check_char(body17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, WEIGHTS, strict=True)) % 11]


def number(area: str, birth: dt.date, seq: int) -> str:
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
areas = st.sampled_from(["310105", "110105", "440305", "320102", "510104"])
seqs = st.integers(min_value=0, max_value=999)


@settings(max_examples=200, deadline=None)
@given(areas, births, seqs)
def test_valid_numbers_give_birth_date_and_sex(area, birth, seq):
    parsed = parse_id_number(number(area, birth, seq), today=TODAY)
    assert parsed.kind == ID_RIC
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if seq % 2 else "F")


@settings(max_examples=200, deadline=None)
@given(areas, births, seqs, st.sampled_from("0123456789X"))
def test_any_wrong_check_character_is_refused(area, birth, seq, wrong):
    good = number(area, birth, seq)
    if wrong == good[-1]:
        return
    with pytest.raises(IdentityError, match="校验位"):
        parse_id_number(good[:-1] + wrong, today=TODAY)


@settings(max_examples=100, deadline=None)
@given(areas, st.dates(min_value=TODAY + dt.timedelta(days=1), max_value=dt.date(2999, 12, 31)), seqs)
def test_future_birth_date_is_refused(area, birth, seq):
    with pytest.raises(IdentityError, match="晚于今天"):
        parse_id_number(number(area, birth, seq), today=TODAY)


@pytest.mark.parametrize("date", ["19900230", "19891301", "19900000", "20010229", "19990431"])
def test_impossible_birth_date_is_refused(date):
    body = f"310105{date}123"
    with pytest.raises(IdentityError, match="出生日期不存在"):
        parse_id_number(body + check_char(body), today=TODAY)


def test_leap_day_is_a_real_date():
    body = "31010520000229123"
    assert parse_id_number(body + check_char(body), today=TODAY).birth_date == dt.date(2000, 2, 29)


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_fifteen_digit_legacy_numbers_are_refused_with_a_clear_message(digits):
    with pytest.raises(IdentityError, match="15位"):
        parse_id_number(digits, today=TODAY)


def test_x_check_digit_is_accepted_in_either_case():
    assert parse_id_number("11010519491231002X", today=TODAY).number == "11010519491231002X"
    assert parse_id_number("11010519491231002x", today=TODAY).sex == "F"


@pytest.mark.parametrize("area,kind", [("810000", ID_HK), ("820000", ID_MO), ("830000", ID_TW)])
def test_residence_permits_use_the_same_format(area, kind):
    parsed = parse_id_number(number(area, dt.date(1985, 3, 4), 51), today=TODAY)
    assert parsed.kind == kind
    assert parsed.birth_date == dt.date(1985, 3, 4)


def test_residence_permit_with_bad_check_is_refused():
    good = number("810000", dt.date(1985, 3, 4), 51)
    with pytest.raises(IdentityError):
        parse_id_number(good[:-1] + ("0" if good[-1] != "0" else "1"), today=TODAY)


def test_foreigners_permanent_residence_id_starts_with_9():
    parsed = parse_id_number(number("931156", dt.date(1990, 7, 1), 11), today=TODAY)
    assert parsed.kind == ID_FOREIGN
    assert parsed.birth_date == dt.date(1990, 7, 1)


def test_foreigners_id_with_bad_check_is_refused():
    good = number("931156", dt.date(1990, 7, 1), 11)
    with pytest.raises(IdentityError, match="校验位"):
        parse_id_number(good[:-1] + ("0" if good[-1] != "0" else "1"), today=TODAY)


@pytest.mark.parametrize("raw,message", [("", "不能为空"), ("1101051949123100", "18位"),
                                         ("11010519491231002Y", "最后一位"), ("A1010519491231002X", "前17位")])
def test_malformed_numbers_name_the_problem(raw, message):
    with pytest.raises(IdentityError, match=message):
        parse_id_number(raw, today=TODAY)


def test_spaces_inside_a_number_are_ignored():
    assert parse_id_number(" 110105 19491231 002X ", today=TODAY).number == "11010519491231002X"


def test_passport_is_kept_as_typed_not_validated_as_ric():
    parsed = parse_id_number("E12345678", "passport", today=TODAY)
    assert (parsed.kind, parsed.birth_date) == ("passport", None)
