"""The site's URLs: the API, the admin, language switching, then each app's pages as its
AppConfig declares them (``urls``, ``url_prefix``; lehuo/platform/modules.py)."""

from django.conf import settings
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

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
