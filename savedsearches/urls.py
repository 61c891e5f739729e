from django.urls import path

from . import views

app_name = "savedsearches"

urlpatterns = [
    path("", views.saved_list, name="list"),
    path("new/", views.saved_new, name="new"),
    path("<int:pk>/", views.saved_open, name="open"),
    path("<int:pk>/delete/", views.saved_delete, name="delete"),
]
