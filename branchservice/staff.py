"""Who may manage which staff accounts: the one statement of it.

Seeing a colleague is scoping (scoping.py); managing their account — password, active flag,
e-mail, username, branch, roles — is more, because it is how an account is taken over:

- a superuser is managed by superusers only, and no one else even sees one;
- head office manages every other account;
- anyone else (a branch manager) manages only staff strictly below their own branch, all of
  whose roles they could grant themselves: never a peer or a superior, an auditor or an
  inspector, whose independence is the point of their role.
"""

from django.db.models import QuerySet

from .roles import GRANTABLE_ROLES, Role
from .scoping import can_see_branch, scope_queryset, sees_everything, visible_branches


def grantable_roles(user) -> list[str]:
    """Role groups `user` may give to others: never more than their own standing."""
    if sees_everything(user):
        return GRANTABLE_ROLES[Role.HQ_SERVICE]
    return sorted({r for role in user.role_names for r in GRANTABLE_ROLES.get(role, [])})


def visible_staff(queryset: QuerySet, user) -> QuerySet:
    """The accounts `user` may see: their scope's, and superusers only to superusers."""
    if user.is_active and user.is_superuser:
        return queryset
    return scope_queryset(queryset, user).exclude(is_superuser=True)


def manageable_branches(user) -> QuerySet:
    """Branches a non-head-office manager may put staff in: strictly below their own."""
    branches = visible_branches(user)
    if sees_everything(user):
        return branches
    return branches.exclude(pk=user.branch_id)


def may_manage(user, target) -> bool:
    if target.is_superuser:
        return user.is_active and user.is_superuser
    if sees_everything(user):
        return True
    return (
        target.pk != user.pk
        and target.branch_id is not None
        and target.branch_id != user.branch_id
        and can_see_branch(user, target.branch)
        and target.role_names <= set(grantable_roles(user))
    )
