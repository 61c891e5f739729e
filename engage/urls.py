from django.urls import path

from . import views

app_name = "engage"

urlpatterns = [
    path("forces/<slug:slug>/", views.stage, name="stage"),
    path("items/<int:pk>/plan/", views.plan, name="plan"),
    path("items/<int:pk>/plan/add/", views.add, name="add"),
    path("actions/<int:pk>/change/", views.change, name="change"),
    path("actions/<int:pk>/update/", views.update, name="update"),
    path("updates/<int:pk>/review/", views.review, name="review"),
]
