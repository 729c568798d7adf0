"""Who may set which calendar overrides: the one statement of it.

- Nationwide dates (no branch) are head office's: the State Council's schedule and any
  bank-wide correction.
- A region's own days (a minority autonomous region's festival) are set for a branch's
  subtree by head office, or by a branch manager of a tier-1 branch for their own branch
  and the branches below it (scope: branchservice.scoping). Sub-branches and outlets keep
  the days their tier-1 branch sets; an outlet's own opening days are OutletDay.
- Everyone who may view overrides sees the nationwide ones, those of their scope, and those
  set above their branch, which apply to them.
"""

from django.db.models import Q, QuerySet

from .models import Branch
from .roles import Role
from .scoping import can_see_branch, sees_everything, visible_branches

# The levels whose branch managers keep their region's calendar (as SENIOR_LEVELS decide an
# extension in complaints.workflow: the level a region's rules are made at).
KEEPER_LEVELS = frozenset({Branch.Level.HEAD_OFFICE, Branch.Level.TIER1_BRANCH})


def keeps_calendar(user) -> bool:
    """Whether `user` may set some overrides (nationwide or their region's)."""
    if not user.has_perm("branchservice.add_calendaroverride"):
        return False
    if sees_everything(user):
        return True
    return (
        user.has_role(Role.BRANCH_MANAGER)
        and user.branch_id is not None
        and user.branch.level in KEEPER_LEVELS
    )


def may_set_override(user, branch: Branch | None) -> bool:
    """Whether `user` may set (add, change or delete) an override for `branch` (None:
    nationwide)."""
    if not keeps_calendar(user):
        return False
    if branch is None or sees_everything(user):
        return sees_everything(user)
    return branch.level != Branch.Level.HEAD_OFFICE and can_see_branch(user, branch)


def override_branches(user) -> QuerySet:
    """The branches `user` may set overrides for; never head office, whose subtree is the
    whole bank: that is a nationwide date, which the notice and the year status count."""
    if not keeps_calendar(user):
        return Branch.objects.none()
    return visible_branches(user).exclude(level=Branch.Level.HEAD_OFFICE)


def visible_overrides(queryset: QuerySet, user) -> QuerySet:
    """The overrides `user` sees: nationwide, their scope's, and their region's above."""
    if sees_everything(user):
        return queryset
    if not (user.is_authenticated and user.is_active) or user.branch_id is None:
        return queryset.filter(branch=None)
    path = user.branch.path
    above = [int(pk) for pk in path.strip("/").split("/")[:-1]]
    return queryset.filter(Q(branch=None) | Q(branch__path__startswith=path) | Q(branch__in=above))
