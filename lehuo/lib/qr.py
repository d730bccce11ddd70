"""QR codes (segno) as inline SVG data URIs: no file, no network."""

import segno


def qr_data_uri(text: str, scale: int = 4) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=scale, border=2)
