"""Photo uploads checked by content (``lehuo.platform.uploads``), and placeholder pictures for the demo."""

import io

from .uploads import PHOTO_FORMATS as ALLOWED_FORMATS
from .uploads import PHOTO_MAX_BYTES as MAX_BYTES
from .uploads import PHOTO_MAX_PIXELS as MAX_PIXELS
from .uploads import checked_image

__all__ = ["ALLOWED_FORMATS", "MAX_BYTES", "MAX_PIXELS", "checked_image", "placeholder_jpeg"]


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
