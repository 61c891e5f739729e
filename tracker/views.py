"""Project-level pages: health, the accessibility statement, error handlers and the
session keep-alive."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from .security import event


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    event("access-denied", request=request, path=request.path)
    return render(request, "403.html", status=403)


@require_POST
def session_extend(request: HttpRequest) -> HttpResponse:
    """Called by the timeout warning's "Stay signed in": saving the session renews it."""
    request.session.modified = True
    return HttpResponse(status=204)


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html")
