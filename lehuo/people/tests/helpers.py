"""Small builders shared by the core tests."""

import datetime as dt
import io
import random

from openpyxl import Workbook

from lehuo.people.demo import make_id_number

HEADERS = ["姓名", "证件号码", "手机号码", "居民区", "标签"]


def id_number(year=1980, month=5, day=17, sex="M", seed=1, area="310105") -> str:
    return make_id_number(random.Random(seed), dt.date(year, month, day), sex, area)


def xlsx(rows, headers=HEADERS, merge=None, leading_blank_rows=0) -> bytes:
    wb = Workbook()
    ws = wb.active
    for _ in range(leading_blank_rows):
        ws.append([])
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    if merge:
        ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(content: bytes, name="people.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
