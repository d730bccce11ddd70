from django.urls import path, re_path

from .views import exports, imports, organisations, people, residents, tags

app_name = "people"
urlpatterns = [
    path("people/", people.people_list, name="people"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/export.xlsx", exports.people_export, name="people_export"),
    path("people/export-full/", exports.people_export_full, name="people_export_full"),
    path("people/import/", imports.people_import, name="people_import"),
    path("people/import/template.xlsx", imports.people_import_template, name="people_import_template"),
    path("people/import/<int:pk>/", imports.people_import_report, name="people_import_report"),
    path("people/import/<int:pk>/commit/", imports.people_import_commit, name="people_import_commit"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/", people.person_reveal, name="person_reveal"),
    path("people/<int:pk>/guardians/", people.guardian_add, name="guardian_add"),
    path("people/<int:pk>/consents/", people.consent_add, name="consent_add"),
    path("people/<int:pk>/consents/<int:consent_pk>/withdraw/", people.consent_withdraw, name="consent_withdraw"),
    re_path(r"^people/(?P<pk>\d+)/data\.(?P<fmt>json|xlsx)$", exports.person_data_export, name="person_data"),
    path("people/<int:pk>/erase/", exports.person_erase, name="person_erase"),
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/new/", organisations.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation"),
    path("organisations/<int:pk>/edit/", organisations.organisation_edit, name="organisation_edit"),
    # Residents' own pages and the social workers' queue (docs/residents.md).
    path("me/link/", residents.link, name="link"),
    path("me/children/add/", residents.child_add, name="child_add"),
    path("me/data/", residents.my_data, name="my_data"),
    re_path(r"^me/data\.(?P<fmt>json|xlsx)$", residents.my_data_download, name="my_data_download"),
    path("me/data/requests/", residents.my_data_request, name="my_data_request"),
    path("people/requests/", residents.link_queue, name="link_queue"),
    path("people/requests/<int:pk>/decide/", residents.link_decide, name="link_decide"),
    path("people/data-requests/<int:pk>/decide/", residents.data_request_decide, name="data_request_decide"),
    path("tags/", tags.tag_list, name="tags"),
    path("tags/<int:pk>/edit/", tags.tag_edit, name="tag_edit"),
    path("tags/<int:pk>/delete/", tags.tag_delete, name="tag_delete"),
]
