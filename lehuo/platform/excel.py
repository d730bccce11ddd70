"""Excel in (python-calamine) and out (openpyxl), shared by every import and export.

Reading gives dict rows keyed by canonical field names after header mapping, with the
spreadsheet row number kept for messages ("第5行 金额：..."). Writing neutralises
formula injection: a text cell starting with = + - @ (or a tab / CR) is stored as text
with a leading apostrophe-equivalent so spreadsheet programs never evaluate it.

Uploads are checked before calamine (a Rust library) reads them, because calamine's own
failures on hostile files are not exceptions but an aborted process: an .xlsx is opened
only when its declared sizes, its compression ratio and the span of every worksheet
(rows x columns, ``_check_sheet_spans``) are within bounds; .xls, .ods and .xlsb are refused.
"""

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from lehuo.lib.labels import list_separator

from .errors import ServiceError

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
MAX_ROWS = 1_000_000
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
# calamine holds a sheet as one block of rows x columns cells from its first to its last cell,
# empty ones included: a 1.5 KB file with cells at A1 and XFD1048576 asks for 17 billion cells
# (550 GB) and the process aborts. 20 million cells is about 640 MB in the reader.
MAX_SHEET_ROWS = 1_048_576  # Excel's own limits
MAX_SHEET_COLUMNS = 16_384
MAX_SHEET_CELLS = 20_000_000


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
        raise ServiceError(_("文件不是 Excel 或 CSV 表格"), "file")
    return "csv"


def _check_zip(data: bytes) -> None:
    """Refuse, before anything is decompressed, a zip that would unpack too big or is not an
    .xlsx; then measure every worksheet's span (decompressing at most the declared sizes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED_BYTES or total > max(len(data), 1) * MAX_COMPRESSION_RATIO:
                raise ServiceError(_("Excel 文件解压后过大，已拒绝"), "file")
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                raise ServiceError(_("文件不是 .xlsx 表格（如为 .ods、.xlsb 等格式，请另存为 .xlsx 或 CSV）"), "file")
            _check_sheet_spans(zf, names)
    except ServiceError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError):
        # Bad CRC, a member longer or shorter than declared, encryption, unknown compression.
        raise ServiceError(_("Excel 文件已损坏，无法读取"), "file")


# Start tags of cells and rows, any namespace prefix (calamine matches local names).
_CELL_OR_ROW = re.compile(rb"<(?:[^\s<>/=\"':]*:)?(c|row)(?=[\s/>])")
_PREFIXED = re.compile(rb"<[^\s<>/=\"':]+:(?:c|row)[\s/>]")
_CELL_STARTS = [b"<c" + end for end in (b" ", b">", b"/", b"\t", b"\n", b"\r")]
# A cell whose first attribute is its reference (as Excel, WPS, LibreOffice and openpyxl write).
_CELL_REF = re.compile(rb"<c\s+r\s*=\s*[\"']([A-Za-z]{1,3})([0-9]{1,7})[\"']")
# A whole start or end tag of a cell or row, attributes parsed as XML does.
_TAG = re.compile(rb"<(/?)(?:[^\s<>/=\"':]*:)?(c|row)((?:\s+[^\s<>/=]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_ATTRIBUTE = re.compile(rb"\s+([^\s<>/=]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REFERENCE = re.compile(rb"([A-Za-z]{1,4})([0-9]{1,8})")
_CHUNK = 1 << 20


def _xml_chunks(zf: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """The member in pieces that end just after a '>', so no tag is cut in two."""
    rest = b""
    with zf.open(name) as member:
        while block := member.read(_CHUNK):
            buf = rest + block
            cut = buf.rfind(b">") + 1
            if not cut:
                if len(buf) > 4 * _CHUNK:  # megabytes without a tag end: not a spreadsheet part
                    raise ServiceError(_("Excel 文件格式异常，无法读取"), "file")
                rest = buf
                continue
            yield buf[:cut]
            rest = buf[cut:]
    if rest:
        yield rest


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _too_wide(rows: int, columns: int) -> bool:
    return rows > MAX_SHEET_ROWS or columns > MAX_SHEET_COLUMNS or rows * columns > MAX_SHEET_CELLS


def _span_refusal(rows: int, columns: int) -> ServiceError:
    return ServiceError(_("表格范围过大（约 %(rows)s 行 × %(columns)s 列），请删除多余的行、列和格式后重新上传")
                        % {"rows": f"{rows:,}", "columns": f"{columns:,}"}, "file")


def _fast_span(zf, name) -> tuple[int, int] | None:
    """Rows and columns from the cell references, when every cell (no namespace prefix) starts
    with its reference; else None (then ``_exact_span``). A third of the time of the exact pass."""
    rows = columns = 0
    for chunk in _xml_chunks(zf, name):
        if _PREFIXED.search(chunk):
            return None
        cells = sum(chunk.count(start) for start in _CELL_STARTS)
        if not cells:
            continue
        refs = _CELL_REF.findall(chunk)
        if len(refs) != cells:
            return None
        rows = max(rows, max(map(int, {number for _, number in refs})))
        columns = max(columns, max(map(_column_number, {letters for letters, _ in refs})))
        if _too_wide(rows, columns):
            break
    return rows, columns


def _exact_span(zf, name) -> tuple[int, int]:
    """Follow calamine's positions tag by tag: a cell without a reference sits after the
    previous one, a row without one after the previous row (``<c/>`` and ``<row/>`` count)."""
    row = column = 0  # the next position, 0-based
    rows = columns = 0
    for chunk in _xml_chunks(zf, name):
        starts = 0
        for m in _TAG.finditer(chunk):
            closing, tag, attributes, empty = m.groups()
            if not closing:
                starts += 1
            ref = None
            for a in _ATTRIBUTE.finditer(attributes):
                if a.group(1) == b"r":
                    ref = a.group(2) if a.group(2) is not None else a.group(3)
                    break
            if tag == b"row":
                if closing:
                    row, column = row + 1, 0
                    continue
                if ref is not None:
                    if not ref.isdigit():
                        raise ServiceError(_("Excel 文件已损坏（行号无效），无法读取"), "file")
                    row = int(ref) - 1
                if empty:
                    row, column = row + 1, 0
                continue
            if closing:
                continue
            if ref is not None:
                parsed = _REFERENCE.fullmatch(ref)
                if parsed is None:
                    raise ServiceError(_("Excel 文件已损坏（单元格位置无效），无法读取"), "file")
                at_row, column = int(parsed.group(2)) - 1, _column_number(parsed.group(1)) - 1
            else:
                at_row = row
            rows, columns = max(rows, at_row + 1), max(columns, column + 1)
            column += 1
        if starts != len(_CELL_OR_ROW.findall(chunk)):
            raise ServiceError(_("Excel 文件格式异常，无法读取"), "file")
        if _too_wide(rows, columns):
            break
    return rows, columns


def _sheet_parts(zf: zipfile.ZipFile, names: set[str]) -> list[str]:
    """Every part calamine could read as a worksheet: all XML parts, and whatever the
    workbook's relationships point to."""
    parts = {n for n in names if n.lower().endswith(".xml") and n != "[Content_Types].xml"}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names:
        for target in re.findall(rb"Target\s*=\s*[\"']([^\"']*)[\"']", zf.read(rels)):
            text = target.decode("utf-8", "replace")
            parts.update(n for n in (text.lstrip("/"), "xl/" + text) if n in names)
    return sorted(parts)


def _check_sheet_spans(zf: zipfile.ZipFile, names: set[str]) -> None:
    for name in _sheet_parts(zf, names):
        span = _fast_span(zf, name) or _exact_span(zf, name)
        if _too_wide(*span):
            raise _span_refusal(*span)


def _cell(value):
    if type(value) is str:  # every cell of a CSV
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, str):
        return value.strip()
    return value


def column_letters(index: int) -> str:
    """0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _checked(number: int, row: list) -> list:
    """No NUL character in a cell: no database column can hold one (PostgreSQL refuses it)."""
    if "\x00" in "".join(v for v in row if isinstance(v, str)):
        index = next(i for i, v in enumerate(row) if isinstance(v, str) and "\x00" in v)
        raise ServiceError(_("第%(row)s行第%(column)s列含有空字符（NUL），请删除后重新上传")
                           % {"row": number, "column": column_letters(index)}, "file")
    return row


def _csv_rows(data: bytes) -> Iterator[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ServiceError(_("CSV 文件编码无法识别（请用 UTF-8 或 GBK）"), "file")
    reader = csv.reader(io.StringIO(text, newline=""))  # newline="": CR-only (old Mac) line ends too
    try:
        for row in reader:
            yield _checked(reader.line_num, [_cell(v) for v in row])
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise ServiceError(_("CSV 文件第%(row)s行有超长的单元格（超过 %(limit)s 个字符）")
                               % {"row": reader.line_num, "limit": f"{csv.field_size_limit():,}"}, "file")
        raise ServiceError(_("CSV 文件第%(row)s行格式错误，无法读取") % {"row": reader.line_num}, "file")


def read_rows(data: bytes, filename: str = "") -> Iterator[list]:
    """Raw rows of the first sheet (or the CSV), values stripped; raises ServiceError."""
    if len(data) > settings.LEHUO_MAX_UPLOAD_BYTES:
        raise ServiceError(_("文件过大（上限 %(mb)s MB）") % {"mb": settings.LEHUO_MAX_UPLOAD_BYTES // 1024 // 1024}, "file")
    if not data:
        raise ServiceError(_("文件为空"), "file")
    kind = sniff_kind(data, filename)
    if kind == "csv":
        yield from _csv_rows(data)
        return
    if kind == "xls":
        # calamine reads .xls too, but without the checks an .xlsx gets (65,536 x 256 cells at worst).
        raise ServiceError(_("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV"), "file")
    _check_zip(data)
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
        for number, row in enumerate(rows, start=1):
            yield _checked(number, [_cell(v) for v in row])
    except ServiceError:
        raise
    except Exception:
        raise ServiceError(_("Excel 文件已损坏或格式不受支持，无法读取"), "file")


def read_table(data: bytes, columns: dict[str, list[str]], required: Iterable[str], filename: str = "",
               mapping: dict[str, str] | None = None, labels: dict | None = None) -> Table:
    """Read a sheet whose first non-empty row is the header.

    ``columns`` maps field -> accepted header names (Chinese and English); ``mapping``
    (header -> field, "" to ignore the column) overrides it, from the import wizard's column
    mapping step. Empty rows are skipped. Missing required columns raise one error naming them
    all; two columns for one field raise an error naming both (which one would be meant?).
    ``labels`` (field -> name in the reader's language) names the fields in those errors; by
    default the first accepted header name.
    """
    rows = read_rows(data, filename)

    def label(f: str) -> str:
        return str((labels or {}).get(f) or (columns[f][0] if columns.get(f) else f))

    headers: list[str] | None = None
    header_row = 0
    lookup: dict[str, str | None] = {}
    for fname, names in columns.items():
        for n in [fname, *names]:
            lookup[str(n).strip().lower()] = fname
    for h, f in (mapping or {}).items():
        lookup[str(h).strip().lower()] = f or None  # "": the wizard's "ignore", even for a known name
    out: list[tuple[int, dict]] = []
    index_to_field: dict[int, str] = {}
    for number, row in enumerate(rows, start=1):
        if headers is None:
            if not any(v not in (None, "") for v in row):
                continue
            headers = [str(v or "").strip() for v in row]
            header_row = number
            by_field: dict[str, list[str]] = {}
            for i, h in enumerate(headers):
                f = lookup.get(h.lower())
                if f:
                    by_field.setdefault(f, []).append(h or column_letters(i))
                    index_to_field.setdefault(i, f)
            twice = {f: hs for f, hs in by_field.items() if len(hs) > 1}
            if twice:
                # Which of two "手机号码" columns holds the phone? Guessing would import the wrong one.
                f, hs = next(iter(twice.items()))
                names = list_separator().join(_("“%(header)s”") % {"header": h} for h in hs)
                raise ServiceError(_("表头中%(headers)s都对应“%(field)s”，请只保留一列（第%(row)s行为表头）")
                                   % {"headers": names, "field": label(f), "row": header_row}, "file", code="columns")
            missing = [f for f in required if f not in index_to_field.values()]
            if missing:
                names = list_separator().join(label(m) for m in missing)
                raise ServiceError(_("表头缺少必需的列：%(columns)s（第%(row)s行为表头）") % {"columns": names, "row": header_row},
                                   "file", code="columns")
            continue
        if not any(v not in (None, "") for v in row):
            continue
        if len(out) >= MAX_ROWS:
            raise ServiceError(_("行数超过上限 %(n)s") % {"n": MAX_ROWS}, "file")
        record = {f: (row[i] if i < len(row) else "") for i, f in index_to_field.items()}
        out.append((number, record))
    if headers is None:
        raise ServiceError(_("表格中没有内容"), "file")
    unmapped = [h for i, h in enumerate(headers) if i not in index_to_field and h]
    return Table(headers=headers, rows=out, unmapped=unmapped)


def safe_cell(value):
    """Neutralise spreadsheet formulas in text (CSV/formula injection)."""
    if isinstance(value, str) and value and value[0] in ("=", "+", "-", "@", "\t", "\r", "\n"):
        return "'" + value
    return value


def write_xlsx(headers: list[str], rows: Iterable[Iterable], title: str = "Sheet1", *, watermark: str = "") -> bytes:
    """A workbook with one sheet; text cells are written as text, never as formulas. A
    ``watermark`` (who exported it, when, why) is the sheet's first row, its printed header and
    footer, and the file's description."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=title[:31] or "Sheet1")
    if watermark:
        wb.properties.description = watermark
        ws.oddHeader.center.text = ws.oddFooter.center.text = watermark.replace("&", "&&")
        ws.append([watermark])
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
