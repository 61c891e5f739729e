# The OpenID Connect fixtures (a real oidc-provider) live in conftest_oidc.py.
from tests.identity.conftest_oidc import force_idp, inspectorate_idp, oidc_providers  # noqa: F401
