"""Django's model permissions, read in one query instead of two, and on PostgreSQL with the user itself.

Every page's navigation asks whether the user is a lead; ``ModelBackend`` answers with one query for the
user's own permissions and one for their groups'. These backends read both at once (per request, cached on
the user object as Django does), with the same rules: inactive and anonymous users have none, a
superuser has all. ``AuthenticationBackend`` (allauth's, which signs people in) goes further on
PostgreSQL: the signed-in user's row and permissions come in one statement, so a page's navigation costs
no query of its own.
"""

from __future__ import annotations

import functools

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q


class PermissionsInOneQueryBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                permissions = Permission.objects.all()
            else:
                permissions = Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
            rows = permissions.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache


class AuthenticationBackend(AllauthBackend, PermissionsInOneQueryBackend):
    """allauth's sign-in, unchanged; the session's user read with their permissions in one statement.

    ``allauth.account.auth_backends.AuthenticationBackend`` stays listed after this one only so that
    sessions signed in before it keep working (a session names the backend that signed it in); a failed
    sign-in ends here rather than checking the same password a second time there."""

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is None and credentials.get("password"):
            raise PermissionDenied  # Django stops trying further backends: the same check, not twice
        return user

    def get_user(self, user_id):
        if connection.vendor != "postgresql":
            return super().get_user(user_id)
        # One plain statement, read on every signed-in request: no ORM query to build each time.
        try:
            user = next(iter(get_user_model()._default_manager.raw(_user_with_permissions_sql(), [user_id])))
        except StopIteration:
            return None
        if not self.user_can_authenticate(user):
            return None
        names = user.__dict__.pop("permission_names", None)
        if names is not None and not user.is_superuser:  # a superuser's are all of them, read if asked
            user._perm_cache = set(names)
        return user


@functools.cache
def _user_with_permissions_sql() -> str:
    """The user's row and the names of their permissions, their own and their groups' (ModelBackend's two
    queries), PostgreSQL only."""
    user = get_user_model()
    perms, groups = user._meta.get_field("user_permissions"), user._meta.get_field("groups")
    own = perms.remote_field.through._meta
    member = groups.remote_field.through._meta
    granted = Group.permissions.through._meta
    return (
        f'SELECT u.*, ARRAY(SELECT ct."app_label" || \'.\' || p."codename" '  # nosec B608: our own table names
        f'FROM "{Permission._meta.db_table}" p JOIN "{ContentType._meta.db_table}" ct ON ct."id" = p."content_type_id" '
        f'WHERE p."id" IN (SELECT "permission_id" FROM "{own.db_table}" WHERE "user_id" = u."id" '
        f'UNION SELECT gp."permission_id" FROM "{granted.db_table}" gp '
        f'JOIN "{member.db_table}" ug ON ug."group_id" = gp."group_id" WHERE ug."user_id" = u."id")) '
        f'AS "permission_names" FROM "{user._meta.db_table}" u WHERE u."id" = %s'
    )
