"""Who is reminded: people found by role within the branch tree.

A scan loads the whole directory once (two queries) and answers every "who is the outlet head
of X" from memory, so the number of queries does not grow with the number of complaints.
Only the bank's own active people are in it (scoping.IN_HOUSE).
"""

from collections import defaultdict

from branchservice.models import Branch, User
from branchservice.roles import COMPLAINT_HANDLERS, Role
from branchservice.scoping import IN_HOUSE, level_holders


class Directory:
    def __init__(self):
        self._branches = {
            pk: (path, level)
            for pk, path, level in Branch.objects.values_list("pk", "path", "level")
        }
        self._holders: dict[tuple[int, str], list[int]] = defaultdict(list)
        self._everywhere: dict[str, list[int]] = defaultdict(list)
        self._people: dict[int, tuple[set, int | None]] = {}
        rows = (
            User.objects.filter(IN_HOUSE, groups__name__in=Role.values)
            .order_by("pk")
            .values_list("pk", "branch_id", "groups__name")
        )
        for user_id, branch_id, role in rows:
            self._holders[(branch_id, role)].append(user_id)
            self._everywhere[role].append(user_id)
            self._people.setdefault(user_id, (set(), branch_id))[0].add(role)

    def holders(self, branch_id: int, role: Role) -> list[int]:
        return list(self._holders.get((branch_id, role), ()))

    def outlet_heads(self, branch_id: int) -> list[int]:
        return self.holders(branch_id, Role.BRANCH_MANAGER)

    def lobby_managers(self, branch_id: int) -> list[int]:
        return self.holders(branch_id, Role.LOBBY_MANAGER)

    def managers_above(self, branch_id: int) -> list[int]:
        """Branch managers of the sub-branch and tier-1 branch above a branch."""
        path, _level = self._branches.get(branch_id, ("", None))
        ancestors = [int(part) for part in path.strip("/").split("/")[:-1] if part]
        wanted = {Branch.Level.SUB_BRANCH, Branch.Level.TIER1_BRANCH}
        return [
            user_id
            for ancestor in ancestors
            if self._branches.get(ancestor, ("", None))[1] in wanted
            for user_id in self.outlet_heads(ancestor)
        ]

    def level_holders(self, branch_id: int, level: int) -> list[int]:
        """Who holds an entry of outlet `branch_id` at `level` (scoping.level_holders, the rule
        workflow.holds asks), among the complaint handlers at the outlet's branches and head
        office's service department: only they can."""
        path, _level = self._branches.get(branch_id, ("", None))
        branches = [int(part) for part in path.strip("/").split("/") if part]
        candidates = sorted(
            {
                *self._everywhere.get(Role.HQ_SERVICE, ()),
                *(
                    pk
                    for b in branches
                    for role in COMPLAINT_HANDLERS
                    for pk in self.holders(b, role)
                ),
            }
        )
        people = []
        for pk in candidates:
            roles, at = self._people[pk]
            at_path, at_level = self._branches.get(at, (None, None))
            people.append((pk, roles, at_path, at_level))
        return level_holders(path, level, people)

    def head_office_service(self) -> list[int]:
        return list(self._everywhere.get(Role.HQ_SERVICE, ()))
