from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from lehuo.accounts import views as account_views
from lehuo.accounts import views_otp

from .api.urls import urls as api_urls

urlpatterns = [
    # The API first: its requests need not be matched against every page's path on the way.
    path("api/v1/", api_urls),
    path("", include("lehuo.web.urls")),
    path("", include("lehuo.platform.urls")),
    path("", include("lehuo.people.urls")),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", account_views.logout_view, name="logout"),
    path("accounts/otp/setup/", views_otp.otp_setup, name="otp_setup"),
    path("accounts/otp/verify/", views_otp.otp_verify, name="otp_verify"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("training/", include("lehuo.training.urls")),
    path("donations/", include("lehuo.donations.urls")),
    path("blood/", include("lehuo.blood.urls")),
    path("daycare/", include("lehuo.daycare.urls")),
    path("visits/", include("lehuo.visits.urls")),
    path("newsletter/", include("lehuo.newsletter.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
