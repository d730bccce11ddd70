from django.urls import path

from . import views, views_residents

app_name = "blood"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views_residents.mine, name="mine"),
    path("mine/stem-cell/", views_residents.stem_cell_interest, name="stem_cell_interest"),
    path("signups/<int:pk>/cancel/", views_residents.signup_cancel, name="signup_cancel"),
    path("screenings/<int:pk>/", views.screening_detail, name="screening"),
    path("donations/<int:pk>/void/", views.void_donation, name="void_donation"),
    path("<slug:slug>/", views.drive_detail, name="drive"),
    path("<slug:slug>/signups/", views.signups, name="signups"),
    path("<slug:slug>/recall/", views.recall, name="recall"),
    path("<slug:slug>/invitations/", views.invitations, name="invitations"),
    path("<slug:slug>/invitations/<int:pk>.pdf", views.invitation_pdf, name="invitation_pdf"),
    path("<slug:slug>/onsite/", views.onsite, name="onsite"),
    path("<slug:slug>/onsite/<int:pk>/", views.onsite_person, name="onsite_person"),
    path("<slug:slug>/onsite/<int:pk>/screen/", views.onsite_screen, name="onsite_screen"),
    path("<slug:slug>/onsite/<int:pk>/donate/", views.onsite_donate, name="onsite_donate"),
    path("<slug:slug>/onsite/<int:pk>/stem-cell/", views.onsite_stem_cell, name="onsite_stem_cell"),
    path("<slug:slug>/queue/", views.queue, name="queue"),
    path("<slug:slug>/report/", views.report, name="report"),
    path("<slug:slug>/report.pdf", views.report_pdf, name="report_pdf"),
    path("<slug:slug>/join/", views_residents.join, name="join"),
]
