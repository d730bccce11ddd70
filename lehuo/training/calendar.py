"""Public holidays: chinesecalendar plus the staff-editable override table.

chinesecalendar raises NotImplementedError for years it has no data for (the State
Council publishes each plan around November). Then the override table alone decides,
and the caller gets a warning naming the years to check.
"""

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar
from django.utils.translation import gettext, gettext_lazy

from lehuo.lib.labels import list_separator

from .models import HolidayOverride


@dataclass
class HolidayCalendar:
    """Answers "is this a public holiday?" for a date range, with one query."""

    start: dt.date
    end: dt.date
    overrides: dict[dt.date, HolidayOverride] = field(default_factory=dict)
    missing_years: set[int] = field(default_factory=set)

    @classmethod
    def for_range(cls, start: dt.date, end: dt.date) -> "HolidayCalendar":
        cal = cls(start, end)
        cal.overrides = {o.date: o for o in HolidayOverride.objects.filter(date__gte=start, date__lte=end)}
        return cal

    def is_holiday(self, day: dt.date) -> bool:
        """A statutory day off (not a plain weekend): sessions on it are skipped."""
        if day in self.overrides:
            return self.overrides[day].is_holiday
        try:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            self.missing_years.add(day.year)
            return False
        return bool(is_holiday and name)

    def holiday_name(self, day: dt.date) -> str:
        if day in self.overrides:
            return self.overrides[day].name
        try:
            _, name = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            return ""
        return str(_HOLIDAY_NAMES.get(name or "", name or ""))

    @property
    def warning(self) -> str:
        if not self.missing_years:
            return ""
        years = list_separator().join(str(y) for y in sorted(self.missing_years))
        return gettext("节假日数据未包含%(years)s年，已仅按“节假日调整”表排除假日，请核对国务院公布的放假安排。") % {
            "years": years}


_HOLIDAY_NAMES = {
    "New Year's Day": gettext_lazy("元旦"),
    "Spring Festival": gettext_lazy("春节"),
    "Tomb-sweeping Day": gettext_lazy("清明节"),
    "Labour Day": gettext_lazy("劳动节"),
    "Dragon Boat Festival": gettext_lazy("端午节"),
    "National Day": gettext_lazy("国庆节"),
    "Mid-autumn Festival": gettext_lazy("中秋节"),
    "Anti-Fascist 70th Day": gettext_lazy("抗战胜利纪念日"),
}
