"""/scim/v2/ (django-scim2's routes, under the namespace its adapters reverse: "scim").
Every view is exempt from the portal's sign-in redirect: an organisation's SCIM token
authenticates it (scim.authentication), never a session."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.http.response import HttpResponseBase
from django.urls import re_path

from . import views

app_name = "scim"


def scim(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    return login_not_required(view)


urlpatterns = [
    re_path(r"^$", scim(views.NotFoundView.as_view()), name="root"),
    re_path(r"^\.search$", scim(views.SearchView.as_view()), name="search"),
    re_path(r"^Users/\.search$", scim(views.SearchView.as_view()), name="users-search"),
    re_path(r"^Users(?:/(?P<uuid>[^/]+))?$", scim(views.UsersView.as_view()), name="users"),
    re_path(r"^Me$", scim(views.NotImplementedView.as_view()), name="me"),
    re_path(r"^Bulk$", scim(views.NotImplementedView.as_view()), name="bulk"),
    re_path(
        r"^ServiceProviderConfig$",
        scim(views.ServiceProviderConfigView.as_view()),
        name="service-provider-config",
    ),
    re_path(
        r"^ResourceTypes(?:/(?P<uuid>[^/]+))?$",
        scim(views.ResourceTypesView.as_view()),
        name="resource-types",
    ),
    re_path(r"^Schemas(?:/(?P<uuid>[^/]+))?$", scim(views.SchemasView.as_view()), name="schemas"),
    # Anything else under /scim/v2/ (Groups included: roles are not SCIM groups here).
    re_path(r"", scim(views.NotFoundView.as_view()), name="not_found"),
]
