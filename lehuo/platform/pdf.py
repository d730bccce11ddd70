"""PDF from the same HTML/CSS as the pages (WeasyPrint), with the CJK font named explicitly.

Templates for print extend ``print_base.html`` (A4, ``lang="zh-CN"``, page numbers).
"""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).write_pdf()


def render_pdf(template: str, context: dict, request=None) -> bytes:
    context = {"pdf_font": settings.LEHUO_PDF_FONT, **context}
    html = render_to_string(template, context, request=request)
    return html_to_pdf(html)


def pdf_response(content: bytes, filename: str, inline: bool = True) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response
