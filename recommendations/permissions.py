"""Who may use the leads' area: holders of the ``evidence.lead_consultation`` permission."""

from django.contrib.auth.decorators import login_required, permission_required

LEAD_PERMISSION = "evidence.lead_consultation"


def lead_required(view):
    """Signed-in leads only: anonymous users go to sign-in, others get 403."""
    return login_required(permission_required(LEAD_PERMISSION, raise_exception=True)(view))
