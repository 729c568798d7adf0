"""The sign-in backend: Django's ModelBackend, reading what every request asks of its user in
two queries instead of five.

A signed-in request loads its user from the session (get_user), and nearly every page then
asks for the user's permissions (two queries in ModelBackend: the user's own and their
roles'), their role names (User.role_names) and their branch's path (scoping). Here the user
comes with the branch, and the role names and both kinds of permission come in one UNION,
primed into the caches ModelBackend and User already keep for the request. Nothing is kept
between requests: a role given or taken counts from the next request, as before.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Value

from .models import User

ROLE, GROUP_PERMISSION, USER_PERMISSION = "r", "g", "u"


def _tagged(queryset, tag, *fields):
    # No ordering: SQLite refuses ORDER BY inside the parts of a compound statement.
    return queryset.order_by().values_list(Value(tag, output_field=CharField()), *fields)


def prime_roles_and_permissions(user) -> None:
    """Fill the user's role names and permission caches with one query."""
    rows = _tagged(Group.objects.filter(user=user), ROLE, "name", Value("")).union(
        _tagged(
            Permission.objects.filter(group__user=user),
            GROUP_PERMISSION,
            "content_type__app_label",
            "codename",
        ),
        _tagged(
            Permission.objects.filter(user=user),
            USER_PERMISSION,
            "content_type__app_label",
            "codename",
        ),
        all=True,
    )
    found = {ROLE: set(), GROUP_PERMISSION: set(), USER_PERMISSION: set()}
    for tag, first, second in rows:
        found[tag].add(first if tag == ROLE else f"{first}.{second}")
    user.__dict__["role_names"] = frozenset(found[ROLE])
    # A superuser has every permission: ModelBackend reads them all itself when asked.
    if not user.is_superuser:
        user._group_perm_cache = found[GROUP_PERMISSION]
        user._user_perm_cache = found[USER_PERMISSION]


class StaffBackend(ModelBackend):
    def get_user(self, user_id):
        user = User._default_manager.select_related("branch").filter(pk=user_id).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        prime_roles_and_permissions(user)
        return user
