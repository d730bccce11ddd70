import datetime as dt

from django.utils import translation

from lehuo.lib.labels import colon, term_label, weekday_choices, weekday_list, weekday_name


def test_weekdays_terms_and_colons_in_chinese_and_english():
    start, end = dt.date(2026, 7, 6), dt.date(2026, 7, 24)
    with translation.override("zh-hans"):
        assert weekday_name(1) == "周一" and weekday_list([3, 1]) == "周一、周三"
        assert term_label(1, start, end) == "2026年第1期（07/06-07/24）"
        assert colon() == "："
    with translation.override("en"):
        assert weekday_name(1) == "Mon" and weekday_list([3, 1]) == "Mon, Wed"
        assert term_label(1, start, end) == "Term 1, 2026 (Jul 6–Jul 24)"
        assert colon() == ": "
        assert [str(n) for _, n in weekday_choices()][-1] == "Sun"
    assert weekday_name(9) == "9"
