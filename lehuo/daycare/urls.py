from django.urls import path

from . import views, views_staff

app_name = "daycare"
urlpatterns = [
    path("", views.index, name="index"),
    # Residents (a parent on a phone)
    path("my/", views.my, name="my"),
    path("my/children/new/", views.my_child_add, name="my_child_add"),
    path("my/offerings/", views.my_offerings, name="my_offerings"),
    path("my/offerings/<int:pk>/enrol/", views.my_enrol, name="my_enrol"),
    path("my/enrolments/<int:pk>/", views.my_enrolment, name="my_enrolment"),
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
]
