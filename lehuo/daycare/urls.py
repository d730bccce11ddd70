from django.urls import path

from . import views, views_setup, views_staff

app_name = "daycare"
urlpatterns = [
    path("", views.index, name="index"),
    # Residents (a parent on a phone)
    path("my/", views.my, name="my"),
    path("my/status/", views.my_status, name="my_status"),
    path("my/children/new/", views.my_child_add, name="my_child_add"),
    path("my/offerings/", views.my_offerings, name="my_offerings"),
    path("my/offerings/<int:pk>/enrol/", views.my_enrol, name="my_enrol"),
    path("my/enrolments/<int:pk>/", views.my_enrolment, name="my_enrolment"),
    path("my/enrolments/<int:pk>/cancel/", views.my_enrolment_cancel, name="my_enrolment_cancel"),
    # The register's staff confirm guardians' requests for children already on the register
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/", views.claim_decide, name="claim_decide"),
    # Staff
    path("sites/<int:pk>/", views_staff.site_detail, name="site"),
    path("sites/<int:pk>/checks/", views_staff.site_check, name="site_check"),
    path("sites/<int:pk>/staff/", views_staff.site_staff, name="site_staff"),
    path("offerings/<int:pk>/", views_staff.offering_detail, name="offering"),
    path("offerings/<int:pk>/attendance/", views_staff.attendance, name="attendance"),
    path("offerings/<int:pk>/lessons/", views_staff.offering_lesson, name="offering_lesson"),
    path("offerings/<int:pk>/ceremonies/", views_staff.offering_ceremony, name="offering_ceremony"),
    path("enrolments/<int:pk>/cancel/", views_staff.enrolment_cancel, name="enrolment_cancel"),
    path("courses/", views_staff.courses, name="courses"),
    path("stats/", views_staff.stats, name="stats"),
    # Setting up the programme (town admins)
    path("setup/", views_setup.setup, name="setup"),
    path("setup/years/", views_setup.year_create, name="setup_year"),
    path("setup/<int:year>/default-terms/", views_setup.terms_default, name="setup_default_terms"),
    path("setup/<int:year>/terms/", views_setup.term_create, name="setup_term"),
    path("setup/<int:year>/sites/", views_setup.site_create, name="setup_site"),
    path("setup/<int:year>/site-heads/", views_setup.site_head_assign, name="setup_site_head"),
    path("setup/<int:year>/offerings/", views_setup.offering_create, name="setup_offering"),
    path("offerings/<int:pk>/edit/", views_setup.offering_edit, name="offering_edit"),
]
