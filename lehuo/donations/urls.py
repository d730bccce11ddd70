from django.urls import path

from . import views, views_import, views_print

app_name = "donations"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views_print.mine, name="mine"),
    path("handovers/<int:pk>/voucher/", views_print.voucher, name="voucher"),
    path("drives/new/", views.drive_create, name="drive_create"),
    path("drives/<int:pk>/", views.drive_detail, name="drive"),
    path("drives/<int:pk>/donations/", views.donation_list, name="donation_list"),
    path("drives/<int:pk>/donations/new/", views.donation_new, name="donation_new"),
    path("drives/<int:pk>/reconciliation/", views.reconciliation, name="reconciliation"),
    path("drives/<int:pk>/disclosure/", views_print.disclosure, name="disclosure"),
    path("drives/<int:pk>/import/", views_import.import_upload, name="import"),
    path("import/<int:pk>/mapping/", views_import.import_mapping, name="import_mapping"),
    path("import/<int:pk>/", views_import.import_report, name="import_report"),
    path("import/<int:pk>/commit/", views_import.import_commit, name="import_commit"),
    path("d/<int:pk>/", views.donation_detail, name="donation"),
    path("d/<int:pk>/void/", views.donation_void, name="donation_void"),
    path("d/<int:pk>/receipt/", views.donation_receipt, name="donation_receipt"),
    path("d/<int:pk>/acknowledgement.pdf", views_print.ack_pdf, name="ack_pdf"),
]
