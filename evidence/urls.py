from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path(
        "recommendations/<int:pk>/evidence/<int:evidence_id>/",
        views.download,
        name="download",
    ),
    path(
        "recommendations/<int:pk>/evidence/<int:evidence_id>/remove/",
        views.remove,
        name="remove",
    ),
]
