"""Field types for API input: what a client means, not what pydantic's lax mode makes of
anything else.

Lax mode reads a number as a date or time stamp (Unix time: ``0`` is 1970-01-01, and so is the
query ``?by=0``) and ``true`` / ``false`` as the integers 1 / 0 (``"households": false`` was
stored as 0, ``"person_id": true`` named person 1). The schema fuzzer's boundary cases had
those accepted; with these types they answer 422 naming the field. The published schema is
unchanged (``integer``, ``string`` with ``format: date`` / ``date-time``).
"""

import datetime as dt
import re
from typing import Annotated

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BeforeValidator

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]|$)")


def _iso(pattern: re.Pattern, message):
    def check(value):
        if isinstance(value, (bool, int, float)) or (isinstance(value, str) and not pattern.match(value)):
            raise ValueError(str(message))  # in the reader's language
        return value

    return check


def _not_bool(value):
    if isinstance(value, bool):
        raise ValueError(_("应为整数，不能是 true / false"))
    return value


Date = Annotated[dt.date, BeforeValidator(_iso(ISO_DATE, gettext_lazy("日期格式应为 YYYY-MM-DD")))]
DateTime = Annotated[dt.datetime, BeforeValidator(_iso(ISO_DATETIME, gettext_lazy("时间格式应为 YYYY-MM-DDTHH:MM:SS+08:00")))]
Int = Annotated[int, BeforeValidator(_not_bool)]
