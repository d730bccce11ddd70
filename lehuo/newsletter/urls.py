from django.urls import path

from . import views

app_name = "newsletter"
urlpatterns = [
    path("", views.index, name="index"),
    path("archive/", views.archive, name="archive"),
    path("new/", views.new_issue, name="new"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("articles/<int:pk>/wechat/", views.wechat_export, name="wechat"),
    path("photos/<int:pk>/remove/", views.remove_photo, name="remove_photo"),
    path("<slug:slug>.pdf", views.issue_pdf, name="pdf"),
    path("<slug:slug>/", views.issue_page, name="issue"),
    path("<slug:slug>/edit/", views.edit_issue, name="edit"),
    path("<slug:slug>/preview/", views.preview, name="preview"),
    path("<slug:slug>/articles/new/", views.edit_article, name="new_article"),
    path("<slug:slug>/articles/<int:pk>/", views.edit_article, name="edit_article"),
    path("<slug:slug>/articles/<int:pk>/photos/", views.add_photo, name="add_photo"),
    path("<slug:slug>/submit/", views.submit, name="submit"),
    path("<slug:slug>/publish/", views.publish, name="publish"),
    path("<slug:slug>/return/", views.return_to_draft, name="return"),
]
