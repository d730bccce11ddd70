"""Upload files for the bad-input corpus, made on the spot (no binary fixture is committed).

Spreadsheets are written by hand (a minimal .xlsx is five small XML parts), so a case can
break exactly one thing: a sheet's XML, a zip header's declared size, a cell reference.
Pictures come from Pillow, then have their declared dimensions patched.
"""

import io
import random
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
       '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/>'
       '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
       "</Types>")
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_WS_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def letters(index: int) -> str:
    """0 -> A, 16383 -> XFD."""
    out, index = "", index + 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell(ref: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_rows(rows, first_row: int = 1) -> str:
    out = []
    for n, row in enumerate(rows, start=first_row):
        out.append(f'<row r="{n}">' + "".join(cell(f"{letters(i)}{n}", v) for i, v in enumerate(row)) + "</row>")
    return "".join(out)


def sheet(body: str, before: str = "", prolog: str = "") -> str:
    """A worksheet part around ``body`` (the inside of ``<sheetData>``)."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet {_NS}>{before}'
            f"<sheetData>{body}</sheetData></worksheet>")


def xlsx(rows=(), *, sheet_xml: str | None = None, more_sheets=(), extra: dict | None = None, omit=()) -> bytes:
    """A minimal workbook: ``rows`` (or ``sheet_xml``) on the first sheet, then ``more_sheets``."""
    sheets = [sheet_xml if sheet_xml is not None else sheet(sheet_rows(rows)), *more_sheets]
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
                + "".join(f'<sheet name="S{i}" sheetId="{i}" r:id="rId{i}"/>' for i in range(1, len(sheets) + 1))
                + "</sheets></workbook>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_WS_TYPE}" Target="worksheets/sheet{i}.xml"/>'
                      for i in range(1, len(sheets) + 1))
            + "</Relationships>")
    parts = {"[Content_Types].xml": _CT, "_rels/.rels": _RELS, "xl/workbook.xml": workbook,
             "xl/_rels/workbook.xml.rels": rels}
    parts.update({f"xl/worksheets/sheet{i}.xml": s for i, s in enumerate(sheets, start=1)})
    parts.update(extra or {})
    return zip_of({k: v for k, v in parts.items() if k not in omit})


def zip_of(parts: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content.encode() if isinstance(content, str) else content)
    return out.getvalue()


def with_declared_size(data: bytes, member: str, size: int) -> bytes:
    """The zip with ``member``'s uncompressed size, in both its headers, replaced by ``size``:
    a 20 KB file that says it unpacks to 2 GB, or one that unpacks to more than it says."""
    raw = bytearray(data)
    name = member.encode()
    at = 0
    while (at := raw.find(name, at)) >= 0:
        if raw[at - 30:at - 26] == b"PK\x03\x04":
            struct.pack_into("<I", raw, at - 30 + 22, size)
        elif raw[at - 46:at - 42] == b"PK\x01\x02":
            struct.pack_into("<I", raw, at - 46 + 24, size)
        at += 1
    return bytes(raw)


def noise(n: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)


def csv_bytes(rows, encoding: str = "utf-8", bom: bool = False, newline: str = "\n") -> bytes:
    text = newline.join(",".join("" if v is None else str(v) for v in row) for row in rows) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


# --- pictures ---------------------------------------------------------------------------------

def picture(fmt: str = "PNG", size=(24, 16), **save) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 16, 46)).save(out, fmt, **save)
    return out.getvalue()


def animated_gif(frames: int = 3) -> bytes:
    from PIL import Image

    images = [Image.new("P", (16, 16), i * 40) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A real small PNG whose header (with a correct CRC) declares ``width`` x ``height``."""
    data = bytearray(picture("PNG", (4, 4)))
    struct.pack_into(">II", data, 16, width, height)  # IHDR data starts at byte 16
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(picture("JPEG", (8, 8)))
    at = data.find(b"\xff\xc0")  # start of frame (baseline): length, precision, height, width
    struct.pack_into(">HH", data, at + 5, height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(picture("GIF", (4, 4)))
    struct.pack_into("<HH", data, 6, width, height)  # logical screen size
    return bytes(data)


SVG_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
              b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>')
HTML_SCRIPT = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto 10 10 lineto stroke\nshowpage\n"


def pdf() -> bytes:
    """A one-page PDF (hand-written, with a correct cross-reference table)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def upload(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
