"""Uploaded files, checked by size and by content before anything else reads them.

- ``UploadField``: the form field of the uploads. It refuses a file over its limit by its size,
  before the view reads it into memory (``LEHUO_MAX_UPLOAD_BYTES`` unless the field says
  otherwise). (Django's multipart parser already drops non-printable characters, NUL and bidi
  overrides from the file name the browser sent.)
- ``checked_image``: a JPEG, PNG, WebP or GIF photo, decided by Pillow from the content, never
  from the name; only those four parsers ever see the bytes, and a picture whose declared size
  is a decompression bomb is refused before it is decoded. The stored name's extension comes
  from the content.
- ``checked_voucher``: a handover voucher: such a photo or a PDF, likewise by content.
"""

import io

from django import forms
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .errors import ServiceError

PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
VOUCHER_MAX_BYTES = 10 * 1024 * 1024


def size_text(limit: int) -> str:
    return f"{limit // 1024 // 1024} MB" if limit >= 1024 * 1024 else f"{max(limit // 1024, 1)} KB"


class UploadField(forms.FileField):
    """A file field that refuses an oversized file by its size, before anything reads it."""

    def __init__(self, *args, max_bytes: int | None = None, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(*args, **kwargs)

    @property
    def limit(self) -> int:
        return self.max_bytes or settings.LEHUO_MAX_UPLOAD_BYTES

    def to_python(self, data):
        upload = super().to_python(data)
        if upload is None:
            return None
        if upload.size > self.limit:
            raise forms.ValidationError(_("文件过大（上限 %(size)s）") % {"size": size_text(self.limit)}, code="too_large")
        return upload


def _picture(data: bytes, field: str) -> str:
    """The photo's format (a key of PHOTO_FORMATS), or a ServiceError."""
    from PIL import Image

    if not data:
        raise ServiceError(_("请选择照片文件"), field)
    if len(data) > PHOTO_MAX_BYTES:
        raise ServiceError(_("照片不能超过%(mb)sMB") % {"mb": PHOTO_MAX_BYTES // 1024 // 1024}, field)
    try:
        # Only these four parsers: no EPS (Ghostscript), no SVG, no rarely used decoders.
        with Image.open(io.BytesIO(data), formats=list(PHOTO_FORMATS)) as img:
            fmt = img.format
            width, height = img.size
            if width * height > PHOTO_MAX_PIXELS:
                raise ServiceError(_("图片像素过大"), field)
            img.verify()
    except ServiceError:
        raise
    except Image.DecompressionBombError:
        # Declared dimensions so large (> 2 x Pillow's MAX_IMAGE_PIXELS) that Pillow refuses to open it.
        raise ServiceError(_("图片像素过大"), field)
    except Exception:  # noqa: BLE001 - any parser failure on hostile bytes is "not a picture"
        raise ServiceError(_("文件不是有效的图片（支持 JPG、PNG、WebP、GIF）"), field)
    if fmt not in PHOTO_FORMATS:
        raise ServiceError(_("图片格式不支持（支持 JPG、PNG、WebP、GIF）"), field)
    return fmt


def checked_image(data: bytes, field: str = "image", name: str = "photo") -> ContentFile:
    """A ContentFile of ``data`` if it really is a JPEG/PNG/WebP/GIF picture; the file
    name's extension comes from the content, never from what the browser said."""
    fmt = _picture(data, field)
    return ContentFile(data, name=f"{name}.{PHOTO_FORMATS[fmt]}")


def checked_voucher(upload, field: str = "voucher", name: str = "voucher") -> ContentFile:
    """A handover voucher (an uploaded file or bytes): a PDF or a photo, by content."""
    data = upload if isinstance(upload, bytes) else upload.read(VOUCHER_MAX_BYTES + 1)
    if not data:
        raise ServiceError(_("凭证文件为空"), field)
    if len(data) > VOUCHER_MAX_BYTES:
        raise ServiceError(_("凭证文件不能超过%(mb)sMB") % {"mb": VOUCHER_MAX_BYTES // 1024 // 1024}, field)
    if data.startswith(b"%PDF-"):
        return ContentFile(data, name=f"{name}.pdf")
    try:
        fmt = _picture(data, field)
    except ServiceError as exc:
        if exc.message.startswith(_("图片像素过大")):
            raise
        raise ServiceError(_("凭证须为 PDF 或图片（JPG、PNG、WebP、GIF）"), field)
    return ContentFile(data, name=f"{name}.{PHOTO_FORMATS[fmt]}")
