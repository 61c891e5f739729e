"""Project-level pages: health, the accessibility statement, error handlers and the
session keep-alive."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_POST

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


@login_not_required
@require_GET
def moj_asset(request: HttpRequest, name: str) -> HttpResponse:
    """MOJ Frontend's compiled CSS asks for its images at /assets/images/; they are
    served with the other static files, so send the browser there."""
    if "/" in name or name.startswith("."):
        raise Http404("No such image")
    return redirect(static(f"moj/assets/images/{name}"), permanent=True)
