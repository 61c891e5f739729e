from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict[str, object]:
    """The service name and the signed-in person's navigation, for base.html."""
    return {
        "service_name": settings.SERVICE_NAME,
        "session_timeout": settings.SESSION_COOKIE_AGE,
        "mfa_required_roles": settings.MFA_REQUIRED_ROLES,
    }
