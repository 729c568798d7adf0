"""The one place that decides which branches a user may see.

A user sees the branch they are assigned to and every branch below it. Superusers and the
head-office service department see everything. Every admin page, view, export and task that
lists branch-owned rows filters them through `scope_queryset` (or the admin/view mixins below,
which call it), so the rule is written once.

Subtrees are materialised paths (see Branch): the filter is a single `path LIKE '/1/4/%'`
joined on the branch, never a query per tree level.

An external firm's inspector (User.firm) has no subtree: they see exactly the outlets of
their firm's engagements current today, nothing above them, and never everything. Only such
users pay for the engagement lookup; everyone else's scope stays the one path.
"""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .admin_site import is_id
from .models import Branch, FirmEngagement, User
from .roles import COMPLAINT_HANDLERS, Role


def sees_everything(user) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and getattr(user, "firm_id", None) is None
        and (user.is_superuser or user.has_role(Role.HQ_SERVICE))
    )


def _firm_outlets(user) -> frozenset[int] | None:
    """The ids of the outlets an external firm's inspector may see today, cached on the user
    for the request; None for everyone else (no query)."""
    if getattr(user, "firm_id", None) is None:
        return None
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    if not hasattr(user, "_firm_outlets"):
        today = timezone.localdate()
        user._firm_outlets = frozenset(
            FirmEngagement.outlets.through.objects.filter(
                firmengagement__firm_id=user.firm_id,
                firmengagement__starts_on__lte=today,
                firmengagement__ends_on__gte=today,
            ).values_list("branch_id", flat=True)
        )
    return user._firm_outlets


def _scope_path(user) -> str | None:
    """The materialised path of the user's branch, cached on the user for the request."""
    if not (user.is_authenticated and user.is_active) or user.branch_id is None:
        return None
    if not hasattr(user, "_scope_path"):
        if User.branch.is_cached(user):
            # The page already read the user's branch: its path is at hand.
            user._scope_path = user.branch.path
        else:
            user._scope_path = Branch.objects.values_list("path", flat=True).get(pk=user.branch_id)
    return user._scope_path


def scope_queryset(queryset: QuerySet, user, *, via: str = "branch") -> QuerySet:
    """Keep the rows of `queryset` whose branch (reached through the lookup `via`) the user
    may see. `via=""` filters a Branch queryset itself."""
    if sees_everything(user):
        return queryset
    outlets = _firm_outlets(user)
    if outlets is not None:
        return queryset.filter(**{f"{via}__pk__in" if via else "pk__in": outlets})
    path = _scope_path(user)
    if path is None:
        return queryset.none()
    lookup = f"{via}__path__startswith" if via else "path__startswith"
    return queryset.filter(**{lookup: path})


def visible_branches(user) -> QuerySet:
    return scope_queryset(Branch.objects.all(), user, via="")


def can_see_branch(user, branch: Branch | None) -> bool:
    if branch is None:
        return sees_everything(user)
    if sees_everything(user):
        return True
    outlets = _firm_outlets(user)
    if outlets is not None:
        return branch.pk in outlets
    path = _scope_path(user)
    return path is not None and branch.path.startswith(path)


def get_scoped_or_404(queryset: QuerySet, user, *, via: str = "branch", **lookup):
    """Fetch one row the user may see; anything outside their scope is simply not found."""
    try:
        return scope_queryset(queryset, user, via=via).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


class ScopedAdminMixin:
    """ModelAdmin mixin: rows, and branch and staff choices, limited to the user's scope.

    Set `scope_via` to the lookup from the model to its Branch ("branch", "complaint__branch";
    "" for Branch itself).
    """

    scope_via = "branch"

    def get_queryset(self, request):
        return scope_queryset(super().get_queryset(request), request.user, via=self.scope_via)

    def _in_scope_or_404(self, request, object_id):
        from django.contrib.admin.utils import unquote

        object_id = unquote(object_id)
        if not is_id(object_id) or not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404

    # django-simple-history's history pages look rows up by primary key, past get_queryset
    # (and fall back to the history table for a row they cannot find): check scope first.
    def history_view(self, request, object_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_scope_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from django.contrib.auth import get_user_model

        related = db_field.related_model
        if related is Branch:
            kwargs["queryset"] = visible_branches(request.user)
        elif related is get_user_model():
            kwargs["queryset"] = scope_queryset(
                related.objects.filter(is_active=True), request.user
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedQuerysetMixin:
    """Class-based view mixin: get_queryset() limited to the user's scope."""

    scope_via = "branch"

    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.request.user, via=self.scope_via)


# --- Who holds an escalated entry (逐级上报, issue 14 item 3) -----------------------------------
# One rule for the workflow (who may move it at its level), the notice of a move to a level and
# the reminders while it is there: the three once disagreed at head office.


def holding_level(roles, branch_level: int | None) -> int | None:
    """The level whose escalated entries a person of `roles`, working at a branch of
    `branch_level`, holds: none unless they handle complaints; head office for its service
    department, wherever they sit; else the level of their branch (None: no branch)."""
    if COMPLAINT_HANDLERS.isdisjoint(roles):
        return None
    if Role.HQ_SERVICE in roles:
        return Branch.Level.HEAD_OFFICE
    return branch_level


def holds_at(roles, branch_path: str | None, branch_level, outlet_path: str, level) -> bool:
    """The rule: whether a person (their roles, their branch's path and level) holds an entry
    of the outlet at `outlet_path` while it is at `level`, and alone moves it there. It is
    theirs if `level` is their holding level and the outlet is in their scope (the service
    department sees everything, anyone else their branch's subtree)."""
    return holding_level(roles, branch_level) == level and (
        Role.HQ_SERVICE in roles
        or (branch_path is not None and outlet_path.startswith(branch_path))
    )


# The bank's own people, active: only they hold a level, and are told of and reminded of
# the bank's work. An outside inspection firm's account (User.firm) is neither, whatever
# roles it was given. IN_HOUSE filters users in a query, is_in_house asks of one user.
IN_HOUSE = Q(is_active=True, firm=None)


def is_in_house(user) -> bool:
    return user.is_active and getattr(user, "firm_id", None) is None


def _person(user) -> tuple[frozenset, str | None, int | None]:
    if not is_in_house(user):
        return frozenset(), None, None
    branch = user.branch if user.branch_id else None
    return user.role_names, branch and branch.path, branch and branch.level


def user_holding_level(user) -> int | None:
    roles, _path, level = _person(user)
    return holding_level(roles, level)


def user_holds(user, outlet: Branch, level) -> bool:
    """holds_at for one user; a superuser holds every level (but is no level's manager:
    level_holders does not count them)."""
    return user.is_superuser or holds_at(*_person(user), outlet.path, level)


def level_holders(outlet_path: str, level, people) -> list[int]:
    """The batch form of holds_at: the pks of `people`, rows (pk, roles, branch path, branch
    level) of active staff, who hold an entry of the outlet at `level`."""
    return [
        pk
        for pk, roles, path, branch_level in people
        if holds_at(roles, path, branch_level, outlet_path, level)
    ]


def level_holder_ids(outlet: Branch, level) -> list[int]:
    """level_holders read from the database, in one query. Only the complaint handlers at
    the outlet's branches and the service department can hold it: they are the candidates."""
    branches = [int(part) for part in outlet.path.strip("/").split("/") if part]
    rows = (
        User.objects.filter(
            Q(branch_id__in=branches) | Q(groups__name=Role.HQ_SERVICE),
            IN_HOUSE,
            groups__name__in=COMPLAINT_HANDLERS,
        )
        .order_by("pk")
        .values_list("pk", "groups__name", "branch__path", "branch__level")
    )
    people: dict[int, tuple[set, str | None, int | None]] = {}
    for pk, role, path, branch_level in rows:
        people.setdefault(pk, (set(), path, branch_level))[0].add(role)
    return level_holders(outlet.path, level, [(pk, *person) for pk, person in people.items()])
