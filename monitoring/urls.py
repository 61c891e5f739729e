from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("monitoring/", views.index, name="index"),
    path("monitoring/data.csv", views.data_csv, name="data_csv"),
    path("monitoring/data.json", views.data_json, name="data_json"),
    path("monitoring/sitemap.xml", views.sitemap, name="sitemap"),
    # Before the force's pages: "findings" is no force's slug.
    path("monitoring/findings/<int:finding_id>/", views.every_force, name="every_force"),
    path("monitoring/engage/", views.engage, name="engage"),  # "engage" is no force
    path("monitoring/<slug:force_slug>/", views.force, name="force"),
    path("monitoring/<slug:force_slug>/<int:public_id>/", views.item, name="item"),
    path(
        "monitoring/<slug:force_slug>/<int:public_id>/portal-page.txt",
        views.portal_page,
        name="portal_page",
    ),
    path(
        "hmicfrs/recommendation/<slug:force_slug>/<int:public_id>/",
        views.legacy_redirect,
        name="legacy",
    ),
]
