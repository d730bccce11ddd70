"""PDF from the same HTML/CSS as the pages (WeasyPrint), with the CJK font named explicitly.

Templates for print extend ``print_base.html`` (A4, ``lang="zh-CN"``, page numbers).
"""

import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

logger = logging.getLogger("lehuo.pdf")


class RefusedResource(ValueError):
    """A resource a document named that the renderer does not read (another host, a local file
    outside Lehuo's static and media files)."""


def _allowed_roots() -> list[Path]:
    roots = [Path(settings.MEDIA_ROOT).resolve()]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    for entry in settings.STATICFILES_DIRS:
        roots.append(Path(entry[1] if isinstance(entry, tuple) else entry).resolve())
    return roots


def _local_file(url: str) -> Path | None:
    """The file of Lehuo's own a URL names: ``file://`` inside the media or static folders, or a
    site path ``/static/...`` / ``/media/...``; None for anything else."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if parts.scheme == "file" and not parts.netloc:
        for prefix, root in ((settings.STATIC_URL, None), (settings.MEDIA_URL, Path(settings.MEDIA_ROOT))):
            if path.startswith(prefix) and not Path(path).exists():
                relative = path[len(prefix):]
                found = finders.find(relative) if root is None else str(root / relative)
                return Path(found).resolve() if found else None
        candidate = Path(path).resolve()
        if any(candidate.is_relative_to(root) for root in _allowed_roots()) or \
                any(candidate.is_relative_to(Path(d).resolve()) for d in _app_static_dirs()):
            return candidate
    return None


def _app_static_dirs() -> list[str]:
    return [str(storage.location) for finder in finders.get_finders()
            for storage in getattr(finder, "storages", {}).values() if hasattr(storage, "location")]


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class LehuoURLFetcher(URLFetcher):
        """WeasyPrint reads only Lehuo's own static and media files and inline ``data:``
        images: an article naming ``http://127.0.0.1:.../x.png`` or ``file:///etc/passwd`` gets
        nothing (the resource is left out and the refusal logged)."""

        def __init__(self, **kwargs):
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, **kwargs)

        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                path = _local_file(url)
                if path is None or not path.is_file():
                    logger.warning("pdf: refused to fetch %s", url[:200])
                    raise RefusedResource(url[:200])
                url = path.as_uri()
            return super().fetch(url, headers)

    return LehuoURLFetcher


def url_fetcher(url: str):
    """Fetch one resource as the PDF renderer does (RefusedResource for anything not Lehuo's own)."""
    return _fetcher_class()().fetch(url)


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url or str(settings.BASE_DIR), url_fetcher=_fetcher_class()()).write_pdf()


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
