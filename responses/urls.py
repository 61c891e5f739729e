from django.urls import path

from . import views

app_name = "responses"

urlpatterns = [
    path("reports/<slug:slug>/responses.csv", views.responses_csv, name="csv"),
    path("reports/<slug:slug>/responses/<slug:force>/", views.record, name="record"),
]
