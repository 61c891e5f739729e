from django.contrib import admin
from django.urls import include, path

from recommendations import views
from tracker import views as tracker_views

handler403 = "tracker.views.permission_denied"

urlpatterns = [
    path("accounts/session/", tracker_views.session_extend, name="session_extend"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("", include("recommendations.urls")),
]
