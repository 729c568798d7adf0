"""Roles are Django groups. This table is the one statement of what each role may do.

The groups themselves are created by a data migration; their permissions are set from
ROLE_PERMISSIONS after every `migrate` (post_migrate), because permissions of models added by
later migrations only exist once the whole migrate run has finished.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HQ_SERVICE = "hq_service", _("Head-office service department")
    BRANCH_MANAGER = "branch_manager", _("Branch manager")
    COMPLAINT_MANAGER = "complaint_manager", _("Complaint manager")
    LOBBY_MANAGER = "lobby_manager", _("Lobby manager")
    # Tellers and customer managers: first responders (首问负责制) on the tablet pages only.
    FRONTLINE_STAFF = "frontline_staff", _("Frontline staff")
    AUDITOR = "auditor", _("Auditor")
    # Fills mystery-shopper visits and branch inspections, from head office or a tier-1 branch.
    INSPECTOR = "inspector", _("Inspector")


def _crud(label, model, actions=("view", "add", "change", "delete")):
    return [f"{label}.{action}_{model}" for action in actions]


# The audit trail: login/logout log, failed logins, lockouts and file downloads (read-only).
AUDIT_VIEW = [
    "axes.view_accesslog",
    "axes.view_accessfailurelog",
    "axes.view_accessattempt",
    "branchservice.view_filedownload",
]

# Complaints are never deleted through the portal (head office voids them with a reason).
_COMPLAINT_WORK = [
    *_crud("complaints", "complaint", ("view", "add", "change")),
    *_crud("complaints", "attachment", ("view", "add")),
    "complaints.view_businesschannel",
    "complaints.view_businesscategory",
    "complaints.view_complaintreason",
    "complaints.view_deadlinepolicy",
]
_COMPLAINT_READ = [
    f"complaints.view_{model}"
    for model in (
        "complaint",
        "attachment",
        "businesschannel",
        "businesscategory",
        "complaintreason",
        "deadlinepolicy",
    )
]

# Taking an entry down where the customer is (首问负责制): the tablet intake pages, where the
# first responder registers it at their own outlet and may record it resolved on the spot.
INTAKE_PERMISSION = "complaints.intake_complaint"

# Rectifications (整改) of every source: raised through their source's workflow (add), worked
# and verified in the admin (change; who may verify is RECTIFICATION_VERIFIERS below).
_RECTIFICATION_WORK = _crud("rectifications", "rectification", ("view", "add", "change"))

# Reading the standards catalogue, templates and filled checklists.
_STANDARDS_READ = [
    "standards.view_serviceprocess",
    "standards.view_standardscenario",
    "standards.view_checklisttemplate",
    "standards.view_templateversion",
    "standards.view_checklist",
]

# Teller time limits and waiting (servicetimes): the bank-wide standard table, read by all who
# analyse; the outlet's tellers, queue-log imports, tickets and findings.
_SERVICETIMES_REFERENCE = ["transactiongroup", "transactiontype", "timestandard"]
_SERVICETIMES_READ = [
    *[f"servicetimes.view_{model}" for model in _SERVICETIMES_REFERENCE],
    "servicetimes.view_teller",
    "servicetimes.view_ticketimport",
    "servicetimes.view_ticket",
    "servicetimes.view_finding",
]
# Uploading a queue log, keeping the teller list, timing by hand (add_ticket), findings.
_SERVICETIMES_WORK = [
    *_SERVICETIMES_READ,
    *_crud("servicetimes", "teller", ("add", "change")),
    "servicetimes.add_ticketimport",
    "servicetimes.add_ticket",
    "servicetimes.add_finding",
]

# Each outlet's online opinion book (the customer's side): its switch is kept by the outlet
# head and head office; the others see which outlets have one.
_OPINION_BOOK_KEEP = _crud("opinionbook", "opinionbook", ("view", "add", "change"))
_OPINION_BOOK_READ = ["opinionbook.view_opinionbook"]

# The report centre (monthly summaries and their download log); building a summary is
# add_reportfile. Exporting a list is exports.add_exportjob, unmasked personal data in an
# export is exports.export_unmasked_personal_data.
REPORTING_READ = ["reporting.view_reportfile", "reporting.view_reportdownload"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.HQ_SERVICE: [
        *_COMPLAINT_WORK,
        *_RECTIFICATION_WORK,
        *_crud("complaints", "businesschannel", ("add", "change")),
        *_crud("complaints", "businesscategory", ("add", "change")),
        *_crud("complaints", "complaintreason", ("add", "change")),
        *_crud("complaints", "deadlinepolicy", ("add", "change")),
        *_OPINION_BOOK_KEEP,
        *_crud("branchservice", "branch", ("view", "add", "change")),
        *_crud("branchservice", "user", ("view", "add", "change")),
        *_crud("branchservice", "calendaroverride"),
        *_crud("branchservice", "outletday"),
        # External inspection firms and the outlets each is engaged for (scoping.py).
        *_crud("branchservice", "inspectionfirm"),
        *_crud("branchservice", "firmengagement"),
        *AUDIT_VIEW,
        *_crud("standards", "serviceprocess"),
        *_crud("standards", "standardscenario"),
        *_crud("standards", "catalogueimport", ("view", "add")),
        *_crud("standards", "checklisttemplate"),
        *_crud("standards", "templatesection"),
        *_crud("standards", "templateitem"),
        "standards.view_templateversion",
        *_crud("standards", "checklist", ("view", "add", "change")),
        "standards.review_checklist",
        *_crud("standards", "missedchecklistexcuse", ("view", "add")),
        *_SERVICETIMES_WORK,
        *[
            f"servicetimes.{action}_{model}"
            for model in _SERVICETIMES_REFERENCE
            for action in ("add", "change")
        ],
        *_crud("notifications", "notification", ("view", "change")),
        *_crud("notifications", "wecomwebhook"),
        *_crud("notifications", "notificationpreference"),
        *REPORTING_READ,
        "reporting.add_reportfile",
        "exports.add_exportjob",
        "exports.export_unmasked_personal_data",
    ],
    Role.BRANCH_MANAGER: [
        *_COMPLAINT_WORK,
        *_OPINION_BOOK_KEEP,
        *_RECTIFICATION_WORK,
        "branchservice.view_branch",
        *_crud("branchservice", "user", ("view", "add", "change")),
        # A tier-1 branch's manager sets their region's own days; the others only read
        # them (branchservice.calendar_keepers).
        *_crud("branchservice", "calendaroverride"),
        *_crud("branchservice", "outletday"),
        *_STANDARDS_READ,
        "standards.add_checklist",
        "standards.change_checklist",
        "standards.review_checklist",
        *_crud("standards", "missedchecklistexcuse", ("view", "add")),
        *_SERVICETIMES_WORK,
        *_crud("notifications", "notification", ("view", "change")),
        *_crud("notifications", "wecomwebhook", ("view", "add", "change")),
        *_crud("notifications", "notificationpreference", ("view", "add", "change")),
        *REPORTING_READ,
        "reporting.add_reportfile",
        "exports.add_exportjob",
    ],
    Role.COMPLAINT_MANAGER: [
        *_COMPLAINT_WORK,
        *_OPINION_BOOK_READ,
        *_RECTIFICATION_WORK,
        "branchservice.view_branch",
        "branchservice.view_calendaroverride",
        "notifications.view_notification",
        "exports.add_exportjob",
    ],
    # Lobby managers work on the checklist pages, not in the admin.
    Role.LOBBY_MANAGER: [
        "standards.view_checklist",
        "standards.add_checklist",
        "standards.change_checklist",
        # A failed critical item raises a rectification when the checklist is submitted.
        "rectifications.view_rectification",
        "rectifications.add_rectification",
        INTAKE_PERMISSION,
    ],
    # Inspectors work on the checklist pages, for the outlets under their branch.
    Role.INSPECTOR: [
        *_STANDARDS_READ,
        "standards.add_checklist",
        "standards.change_checklist",
        "rectifications.view_rectification",
        "rectifications.add_rectification",
    ],
    Role.FRONTLINE_STAFF: [INTAKE_PERMISSION],
    Role.AUDITOR: [
        *_COMPLAINT_READ,
        *_OPINION_BOOK_READ,
        "rectifications.view_rectification",
        "branchservice.view_branch",
        "branchservice.view_user",
        "branchservice.view_calendaroverride",
        *AUDIT_VIEW,
        *_STANDARDS_READ,
        "standards.view_missedchecklistexcuse",
        *_SERVICETIMES_READ,
        "notifications.view_notification",
        *REPORTING_READ,
        "reporting.add_reportfile",
        "exports.add_exportjob",
        # Not exports.export_unmasked_personal_data: auditors get masked exports by default.
    ],
}

# Who works complaints (registers them, makes the workflow's moves): at the outlet, and above
# it a branch manager of the sub-branch and head office, anywhere in their scope.
COMPLAINT_HANDLERS = frozenset({Role.COMPLAINT_MANAGER, Role.BRANCH_MANAGER, Role.HQ_SERVICE})


def is_complaint_handler(user) -> bool:
    return user.is_superuser or user.has_role(*COMPLAINT_HANDLERS)


# First responders who do not work complaints (the roles ROLE_PERMISSIONS gives the intake):
# they take an entry down and may resolve it on the spot as they register it
# (complaints.workflow), nothing more.
FIRST_RESPONDERS = frozenset(
    role
    for role, perms in ROLE_PERMISSIONS.items()
    if INTAKE_PERMISSION in perms and role not in COMPLAINT_HANDLERS
)


# Who verifies (验收) a rectification, or cancels one: the outlet head or a manager above the
# outlet (scope decides which outlets), never the person who did it (the services check that).
RECTIFICATION_VERIFIERS = frozenset({Role.BRANCH_MANAGER, Role.HQ_SERVICE})


def may_verify_rectifications(user) -> bool:
    return user.is_superuser or user.has_role(*RECTIFICATION_VERIFIERS)


# Who fills a mystery-shopper visit or a branch inspection (standards.services decides for
# which outlets: never the inspector's own outlet or sub-branch).
INSPECTORS = frozenset({Role.INSPECTOR})


def is_inspector(user) -> bool:
    return user.is_superuser or user.has_role(*INSPECTORS)


# Roles a user may hand out in the admin: head office any, a branch manager only floor roles.
GRANTABLE_ROLES: dict[str, list[str]] = {
    Role.HQ_SERVICE: list(Role.values),
    Role.BRANCH_MANAGER: [Role.COMPLAINT_MANAGER, Role.LOBBY_MANAGER, Role.FRONTLINE_STAFF],
}

# Roles that work in the admin site (is_staff); lobby managers and frontline staff use the
# tablet pages only.
ADMIN_ROLES = {Role.HQ_SERVICE, Role.BRANCH_MANAGER, Role.COMPLAINT_MANAGER, Role.AUDITOR}


def sync_role_permissions(using="default", **kwargs):
    """Give every role group exactly the permissions ROLE_PERMISSIONS lists (post_migrate)."""
    from django.contrib.auth.models import Group, Permission

    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.using(using).get_or_create(name=role)
        wanted = set()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.add((app_label, codename))
        found = [
            p
            for p in Permission.objects.using(using).select_related("content_type")
            if (p.content_type.app_label, p.codename) in wanted
        ]
        group.permissions.set(found)
