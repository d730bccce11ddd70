from django.urls import path

from . import public_views, views

app_name = "training"
urlpatterns = [
    path("", views.index, name="index"),
    path("cohorts/new/", views.cohort_create, name="cohort_create"),
    path("cohorts/<int:pk>/", views.cohort_detail, name="cohort"),
    path("cohorts/<int:pk>/regenerate/", views.cohort_regenerate, name="regenerate"),
    path("cohorts/<int:pk>/enrol/", views.cohort_enrol, name="enrol"),
    path("cohorts/<int:pk>/stats/", views.cohort_stats_page, name="stats"),
    path("cohorts/<int:pk>/export.xlsx", views.cohort_export, name="export"),
    path("cohorts/<int:pk>/certificates/", views.cohort_certificates, name="certificates"),
    path("enrolments/<int:pk>/withdraw/", views.enrolment_withdraw, name="withdraw"),
    path("enrolments/<int:pk>/certificate.pdf", views.certificate_pdf, name="certificate_pdf"),
    path("sessions/<int:pk>/", views.session_attendance, name="attendance"),
    path("sessions/<int:pk>/qr/", views.session_qr, name="session_qr"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("people/<int:person_id>/", views.person_record, name="person_record"),
    path("mine/", views.mine, name="mine"),
    path("holidays/", views.holidays, name="holidays"),
    path("checkin/<str:token>/", public_views.checkin, name="checkin"),
    path("verify/<str:code>/", public_views.verify, name="verify"),
]
