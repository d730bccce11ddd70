from django.urls import path

from . import views, views_otp

# Names without a namespace: LOGIN_URL = "login" and Django's auth views expect them.
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("otp/setup/", views_otp.otp_setup, name="otp_setup"),
    path("otp/verify/", views_otp.otp_verify, name="otp_verify"),
]
