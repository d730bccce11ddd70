"""Labels shared by the modules, translated: weekdays, terms (with their year), colons.

    weekday_name(1)                  -> 周一 / Mon
    weekday_choices()                -> [(1, 周一), ... (7, 周日)]
    term_label(1, starts, ends)      -> 2026年第1期（07/06-07/24） / Term 1, 2026 (Jul 6–Jul 24)
    colon()                          -> ： / ": "
"""

import datetime as dt

from django.utils.dateformat import format as format_date
from django.utils.translation import gettext, pgettext, pgettext_lazy

WEEKDAYS = {
    1: pgettext_lazy("weekday", "周一"), 2: pgettext_lazy("weekday", "周二"), 3: pgettext_lazy("weekday", "周三"),
    4: pgettext_lazy("weekday", "周四"), 5: pgettext_lazy("weekday", "周五"), 6: pgettext_lazy("weekday", "周六"),
    7: pgettext_lazy("weekday", "周日"),
}


def weekday_name(iso_weekday: int) -> str:
    """The ISO weekday (1 = Monday) in the reader's language; the number itself when out of range."""
    name = WEEKDAYS.get(iso_weekday)
    return str(name) if name is not None else str(iso_weekday)


def weekday_choices() -> list[tuple[int, str]]:
    """(ISO number, lazy name) for a form's choices: translated when the form is shown."""
    return list(WEEKDAYS.items())


def weekday_list(days) -> str:
    """Several weekdays joined as the language joins a list (周一、周三 / Mon, Wed)."""
    return list_separator().join(weekday_name(d) for d in sorted(days))


def list_separator() -> str:
    return gettext("、")


def colon() -> str:
    """The label colon: full width in Chinese, ": " in English."""
    return gettext("：")


def term_label(number: int, starts_on: dt.date, ends_on: dt.date) -> str:
    """A term with its year, so terms of different summers are never confused. Its days in the
    reader's usage: 07/06 is 6 July in Chinese but 7 June to a British reader (English: Jul 6)."""
    day = pgettext("term days", "m/d")  # a date format (Django's date filter)
    return gettext("%(year)s年第%(n)s期（%(start)s-%(end)s）") % {
        "year": starts_on.year, "n": number, "start": format_date(starts_on, day), "end": format_date(ends_on, day)}

