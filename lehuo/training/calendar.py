"""Public holidays: chinesecalendar plus the staff-editable override table.

chinesecalendar raises NotImplementedError for years it has no data for (the State
Council publishes each plan around November). Then the override table alone decides,
and the caller gets a warning naming the years to check.
"""

import datetime as dt
from dataclasses import dataclass, field

import chinese_calendar

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
        return _HOLIDAY_NAMES.get(name or "", name or "")

    @property
    def warning(self) -> str:
        if not self.missing_years:
            return ""
        years = "、".join(str(y) for y in sorted(self.missing_years))
        return f"节假日数据未包含{years}年，已仅按“节假日调整”表排除假日，请核对国务院公布的放假安排。"


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
