"""The site's URLs: the API, the admin, language switching, then each app's pages as its
AppConfig declares them (``urls``, ``url_prefix``; lehuo/platform/modules.py)."""

from django.contrib import admin
from django.urls import include, path

from lehuo.api.urls import urls as api_urls
from lehuo.platform.modules import modules

urlpatterns = [
    # The API first: its requests need not be matched against every page's path on the way.
    path("api/v1/", api_urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    *(path(config.url_prefix, include(config.urls)) for config in modules() if config.urls),
]
# Uploaded files are never served statically, not even with DEBUG on: /media/<path> is a view
# that asks the owning module whether the reader may read the file's record
# (lehuo/platform/media.py, docs/security.md).
