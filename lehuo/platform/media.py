"""Protected media: uploaded files (visit photos, newsletter photos and PDFs...) are never served
as static files. ``/media/<path>`` asks the modules whether the reader may read the record the
file belongs to, and only then answers with the file (docs/security.md, "Protected media"):

- each module that stores files declares ``media`` in its AppConfig (lehuo/platform/modules.py),
  a function ``(user, relative_path) -> bool``: True when the file is one of its records' and the
  user may read that record (a published issue's file: anyone; a visit photo: who may see the
  visit). A file no module vouches for answers 404, as a missing one does;
- behind nginx (``LEHUO_MEDIA_ACCEL_REDIRECT`` on) the answer is an empty response with
  ``X-Accel-Redirect: /protected-media/<path>``, and nginx sends the file from an ``internal``
  location; otherwise (development, ``make run``) a file response;
- what the public may read is cached publicly for a while; anything else is ``private, no-store``.

New uploads get unguessable names (``Unguessable``): a random token, the extension kept.
"""

import mimetypes
import posixpath
import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.deconstruct import deconstructible
from django.utils.timezone import now

from .modules import contributions

ACCEL_PREFIX = "/protected-media/"


@deconstructible
class Unguessable:
    """``upload_to`` giving ``<folder>/<year>/<32 random hex>.<ext>``: nothing in a file's name
    can be guessed from another's (an id, a date, a slug)."""

    def __init__(self, folder: str):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename: str) -> str:
        ext = PurePosixPath(filename or "").suffix.lower()[:8]
        return f"{self.folder}/{now():%Y}/{secrets.token_hex(16)}{ext}"

    def __eq__(self, other) -> bool:
        return isinstance(other, Unguessable) and other.folder == self.folder


def media_url(name: str) -> str:
    """The URL of a stored file (through the checking view)."""
    return reverse("platform:media", kwargs={"path": name})


def clean_path(path: str) -> str | None:
    """The relative path asked for, or None when it leaves MEDIA_ROOT (``..``, absolute)."""
    if not path or "\\" in path or "\x00" in path:
        return None
    normal = posixpath.normpath(path)
    if normal.startswith(("/", "..")) or normal in (".", "") or "/../" in f"/{normal}/":
        return None
    return normal


def may_read(user, path: str) -> bool:
    """Does one of the modules vouch for ``user`` reading the file at ``path``?"""
    return any(check(user, path) for _config, check in contributions("media"))


def serve(request, path: str):
    name = clean_path(path)
    if name is None or not may_read(request.user, name) or not default_storage.exists(name):
        raise Http404
    if getattr(settings, "LEHUO_MEDIA_ACCEL_REDIRECT", False):
        response = HttpResponse()
        response["X-Accel-Redirect"] = ACCEL_PREFIX + name
        # Let nginx set the type from the file it sends.
        del response["Content-Type"]
    else:
        content_type, _encoding = mimetypes.guess_type(name)
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type or "application/octet-stream")
    if may_read(None, name):  # public (a published issue's file)
        patch_cache_control(response, public=True, max_age=3600)
    else:
        patch_cache_control(response, private=True, no_store=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response
