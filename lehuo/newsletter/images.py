"""Photo uploads checked by content (Pillow), and placeholder pictures for the demo."""

import io

from django.core.files.base import ContentFile

from lehuo.core.errors import ServiceError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000


def checked_image(data: bytes, field: str = "image", name: str = "photo") -> ContentFile:
    """A ContentFile of ``data`` if it really is a JPEG/PNG/WebP/GIF picture; the file
    name's extension comes from the content, never from what the browser said."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ServiceError("请选择照片文件", field)
    if len(data) > MAX_BYTES:
        raise ServiceError("照片不能超过10MB", field)
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            width, height = img.size
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ServiceError("文件不是有效的图片（支持 JPG、PNG、WebP、GIF）", field)
    if fmt not in ALLOWED_FORMATS:
        raise ServiceError("图片格式不支持（支持 JPG、PNG、WebP、GIF）", field)
    if width * height > MAX_PIXELS:
        raise ServiceError("图片像素过大", field)
    return ContentFile(data, name=f"{name}.{ALLOWED_FORMATS[fmt]}")


def placeholder_jpeg(text: str, *, size=(960, 640), colour=(200, 16, 46), seed: int = 0) -> bytes:
    """A simple deterministic picture (bands, circles and a caption) made on the spot."""
    import random

    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    img = Image.new("RGB", size, (245, 240, 232))
    draw = ImageDraw.Draw(img)
    w, h = size
    for i in range(6):
        shade = tuple(min(255, int(c + (255 - c) * (0.25 + i * 0.12))) for c in colour)
        draw.rectangle([0, h - (i + 1) * h // 7, w, h - i * h // 7], fill=shade)
    for _ in range(5):
        r = rng.randint(min(30, h // 8), max(min(110, h // 4), min(30, h // 8)))
        x, y = rng.randint(r, max(r, w - r)), rng.randint(r, max(r, h // 2))
        draw.ellipse([x - r, y - r, x + r, y + r], outline=colour, width=6)
    try:
        font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 44)
    except OSError:
        font = ImageFont.load_default()
    draw.rectangle([0, h // 2 - 50, w, h // 2 + 50], fill=(255, 255, 255))
    draw.text((w // 2, h // 2), text, fill=(40, 40, 40), font=font, anchor="mm")
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()
