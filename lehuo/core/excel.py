"""Excel in (python-calamine) and out (openpyxl), shared by every import and export.

Reading gives dict rows keyed by canonical field names after header mapping, with the
spreadsheet row number kept for messages ("第5行 金额：..."). Writing neutralises
formula injection: a text cell starting with = + - @ (or a tab / CR) is stored as text
with a leading apostrophe-equivalent so spreadsheet programs never evaluate it.
"""

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings

from .errors import ServiceError

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_ROWS = 1_000_000
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, dict]]  # (spreadsheet row number, {field: value})
    unmapped: list[str] = field(default_factory=list)


def sniff_kind(data: bytes, filename: str = "") -> str:
    """Decide by content, not by name: 'xlsx', 'xls' or 'csv'."""
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(XLS_MAGIC):
        return "xls"
    head = data[:4096]
    if b"\x00" in head:
        raise ServiceError("文件不是 Excel 或 CSV 表格", "file")
    return "csv"


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        raise ServiceError("Excel 文件已损坏，无法读取", "file")
    if total > MAX_UNCOMPRESSED_BYTES or total > max(len(data), 1) * MAX_COMPRESSION_RATIO:
        raise ServiceError("Excel 文件解压后过大，已拒绝", "file")


def _cell(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, str):
        return value.strip()
    return value


def read_rows(data: bytes, filename: str = "") -> Iterator[list]:
    """Raw rows of the first sheet (or the CSV), values stripped; raises ServiceError."""
    if len(data) > settings.LEHUO_MAX_UPLOAD_BYTES:
        raise ServiceError(f"文件过大（上限 {settings.LEHUO_MAX_UPLOAD_BYTES // 1024 // 1024} MB）", "file")
    if not data:
        raise ServiceError("文件为空", "file")
    kind = sniff_kind(data, filename)
    if kind == "csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ServiceError("CSV 文件编码无法识别（请用 UTF-8 或 GBK）", "file")
        for row in csv.reader(io.StringIO(text)):
            yield [_cell(v) for v in row]
        return
    if kind == "xlsx":
        _check_zip(data)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
        for row in rows:
            yield [_cell(v) for v in row]
    except ServiceError:
        raise
    except Exception:
        raise ServiceError("Excel 文件已损坏或格式不受支持，无法读取", "file")


def read_table(data: bytes, columns: dict[str, list[str]], required: Iterable[str], filename: str = "",
               mapping: dict[str, str] | None = None) -> Table:
    """Read a sheet whose first non-empty row is the header.

    ``columns`` maps field -> accepted header names (Chinese and English); ``mapping``
    (header -> field) overrides it, from the import wizard's column mapping step.
    Empty rows are skipped. Missing required columns raise one error naming them all.
    """
    rows = read_rows(data, filename)
    headers: list[str] | None = None
    header_row = 0
    lookup = {}
    for fname, names in columns.items():
        for n in [fname, *names]:
            lookup[str(n).strip().lower()] = fname
    if mapping:
        lookup.update({str(h).strip().lower(): f for h, f in mapping.items() if f})
    out: list[tuple[int, dict]] = []
    index_to_field: dict[int, str] = {}
    for number, row in enumerate(rows, start=1):
        if headers is None:
            if not any(v not in (None, "") for v in row):
                continue
            headers = [str(v or "").strip() for v in row]
            header_row = number
            for i, h in enumerate(headers):
                f = lookup.get(h.lower())
                if f and f not in index_to_field.values():
                    index_to_field[i] = f
            missing = [f for f in required if f not in index_to_field.values()]
            if missing:
                names = "、".join(columns[m][0] if columns.get(m) else m for m in missing)
                raise ServiceError(f"表头缺少必需的列：{names}（第{header_row}行为表头）", "file", code="columns")
            continue
        if not any(v not in (None, "") for v in row):
            continue
        if len(out) >= MAX_ROWS:
            raise ServiceError(f"行数超过上限 {MAX_ROWS}", "file")
        record = {f: (row[i] if i < len(row) else "") for i, f in index_to_field.items()}
        out.append((number, record))
    if headers is None:
        raise ServiceError("表格中没有内容", "file")
    unmapped = [h for i, h in enumerate(headers) if i not in index_to_field and h]
    return Table(headers=headers, rows=out, unmapped=unmapped)


def safe_cell(value):
    """Neutralise spreadsheet formulas in text (CSV/formula injection)."""
    if isinstance(value, str) and value and value[0] in ("=", "+", "-", "@", "\t", "\r", "\n"):
        return "'" + value
    return value


def write_xlsx(headers: list[str], rows: Iterable[Iterable], title: str = "Sheet1") -> bytes:
    """A workbook with one sheet; text cells are written as text, never as formulas."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    ws.append(headers)
    from openpyxl.cell import WriteOnlyCell

    for row in rows:
        cells = []
        for value in row:
            value = safe_cell(value)
            if isinstance(value, str):
                cell = WriteOnlyCell(ws, value=None)
                cell._value = value  # set directly: openpyxl would otherwise turn "=..." into a formula
                cell.data_type = TYPE_STRING
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, content: bytes):
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
