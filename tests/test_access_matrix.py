"""The access matrix: every URL of the portal, tried by every role, against one policy table.

The URLs are discovered from the URL resolver, which includes every registered admin model's
changelist/add/change/history/delete pages and custom views. Each one must have a line in
POLICY_TABLE; a URL without a line, or a line for a URL that no longer exists, fails
`test_every_url_has_a_policy`. Each line says what each role gets for an object of branch A:

    ok     200                         403    refused (PermissionDenied)
    2fa    redirect to the second factor's code or enrolment page
    404    not found: 404, or the admin's "no such record" redirect to its index
    login  redirect to the sign-in page (anonymous, inactive, not admin staff)
    redir  redirect somewhere other than the sign-in page
    405    method not allowed          open   200 or 503: a status page that answers anyone

Roles (columns, in this order), all from tests/conftest.py except `inactive`:
    hq        head-office service department       mgr   branch manager of S1 (A's sub-branch)
    cm_a      complaint manager of outlet A        lm_a  lobby manager of A (not admin staff)
    aud       auditor of S1                        cm_b  complaint manager of outlet B
    anon      anonymous visitor                    inact a deactivated branch manager of S1

Covered today: organisation, audit, complaints, standards, reminders, reporting and exports. Adding an app's
pages means adding lines to POLICY_TABLE. The last column names an entry of
OBJECTS: a function (org) -> the object of branch A that the URL is tried with (an app keeps
its builders in tests/<app>/factories.py; import them here). URL arguments follow from the
route (see url_for). `ACCESS_MATRIX_DUMP=/tmp/m.txt pytest tests/test_access_matrix.py`
writes what each role actually got, to draft the lines for new pages. Changelists are also
checked for leaks: B's complaint manager never finds A's object in a list they may open.

The second factor: hq, mgr and aud are signed in with it passed. The same three with the
password only (a session that has not passed the factor) must get "2fa" on every URL except
the few of UNVERIFIED_OPEN, which says what they get there instead.
"""

import datetime as dt
import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from branchservice.exports.models import ExportJob
from branchservice.models import (
    CalendarOverride,
    FileDownload,
    FirmEngagement,
    InspectionFirm,
    OutletDay,
    User,
)
from branchservice.notifications.models import Notification, NotificationPreference, WeComWebhook
from branchservice.rectifications.models import EvidenceFile, Rectification
from branchservice.roles import Role
from branchservice.twofactor.middleware import OPEN_VIEWS
from branchservice.twofactor.policy import second_factor_required
from complaints.models import (
    Attachment,
    BusinessCategory,
    BusinessChannel,
    ComplaintReason,
    DeadlinePolicy,
)
from reporting.models import ReportFile
from servicetimes import services as servicetimes_services
from servicetimes.models import TransactionGroup, TransactionType
from standards import services as standards_services
from standards.models import (
    MissedChecklistExcuse,
    ServiceProcess,
    StandardScenario,
)
from tests.complaints.factories import ComplaintFactory
from tests.factories import UserFactory, firm_inspector, pass_second_factor
from tests.opinionbook.factories import opinion_book_of_a
from tests.servicetimes import factories as servicetimes_factories
from tests.standards import factories as standards_factories

ROLES = ["hq", "mgr", "cm_a", "lm_a", "aud", "cm_b", "anon", "inact"]


# --- objects of branch A the URLs are tried with ---------------------------------------------


def branch_a(org):
    return org.a


def staff_of_a(org):
    return UserFactory(username="teller_a", branch=org.a, is_staff=False)


def calendar_override(org):
    return CalendarOverride.objects.create(date="2027-10-01", kind="holiday", note="国庆节")


def role_group(org):
    return Group.objects.get(name=Role.LOBBY_MANAGER)


def outlet_day_of_a(org):
    return OutletDay.objects.create(branch=org.a, date="2026-10-05", kind="open", note="国庆营业")


def inspection_firm(org):
    return InspectionFirm.objects.create(name="某某市场调研有限公司")


def engagement_of_a(org):
    today = timezone.localdate()
    engagement = FirmEngagement.objects.create(
        firm=inspection_firm(org), starts_on=today, ends_on=today + dt.timedelta(days=90)
    )
    engagement.outlets.set([org.a])
    return engagement


def login_of_a(org):
    return AccessLog.objects.create(username="cm_a", ip_address="10.0.0.1", user_agent="t")


def failed_login_of_a(org):
    return AccessFailureLog.objects.create(username="cm_a", ip_address="10.0.0.1", user_agent="t")


def lockout_of_a(org):
    return AccessAttempt.objects.create(
        username="cm_a", ip_address="10.0.0.1", user_agent="t", get_data="", post_data="",
        failures_since_start=2,
    )  # fmt: skip


def download_of_a(org):
    return FileDownload.objects.create(username="audit_s1", branch=org.a, filename="a.xlsx")


def complaint_of_a(org):
    """A complaint of outlet A with an attachment and a rectification notice done with an
    evidence file, awaiting verification."""
    complaint = ComplaintFactory(branch=org.a)
    clerk = UserFactory(username="clerk_a", branch=org.a, is_staff=False)
    Attachment.objects.create(
        complaint=complaint, file=ContentFile(b"%PDF-1.4 test", name="letter.pdf"),
        original_name="letter.pdf", content_type="application/pdf", size=13, uploaded_by=clerk,
    )  # fmt: skip
    notice = Rectification.objects.create(
        outlet=org.a, source=complaint, source_kind="complaint", source_label=complaint.reference,
        owner=clerk, responsible_department="营业部", required_action="增开窗口",
        due_date=dt.date(2030, 1, 1), raised_by=clerk, status=Rectification.Status.DONE,
        evidence="已增开", completed_by=clerk, completed_at=timezone.now(),
    )  # fmt: skip
    EvidenceFile.objects.create(
        rectification=notice, file=ContentFile(b"%PDF-1.4 proof", name="proof.pdf"),
        original_name="proof.pdf", content_type="application/pdf", size=14, uploaded_by=clerk,
    )  # fmt: skip
    return complaint


def rectification_of_a(org):
    return complaint_of_a(org).rectifications.get()


def saved_once(obj):
    """Reference data seeded by a migration has no history row yet; give it one."""
    obj.save()
    return obj


def business_channel(org):
    return saved_once(BusinessChannel.objects.order_by("pk").first())


def business_category(org):
    return saved_once(BusinessCategory.objects.order_by("pk").first())


def entry_taken_down_at_a(org):
    """An entry A's lobby manager took down on the intake page."""
    return ComplaintFactory(branch=org.a, registered_by=User.objects.get(username="lm_a"))


def complaint_reason(org):
    return saved_once(ComplaintReason.objects.order_by("pk").first())


def deadline_policy(org):
    return saved_once(DeadlinePolicy.objects.order_by("pk").first())


def notification_of_a(org):
    """A reminder to A's complaint manager about a complaint of A."""
    complaint = complaint_of_a(org)
    return Notification.objects.create(
        recipient=User.objects.get(username="cm_a"), kind="complaint_reply", stage="due",
        content_type=ContentType.objects.get_for_model(complaint), object_id=complaint.pk,
        object_label=complaint.reference, url="/", scheduled_for=timezone.now(),
    )  # fmt: skip


def preference_of_a(org):
    return NotificationPreference.objects.create(user=User.objects.get(username="cm_a"))


def webhook_of_a(org):
    return WeComWebhook.objects.create(branch=org.a, url="https://hook.example.invalid/a")


def report_of_a(org):
    return ReportFile.objects.create(
        scope=org.a, period=dt.date(2026, 10, 1), kind="summary", version=1,
        status="ready", file=ContentFile(b"PK test", name="a.xlsx"), size=7,
        by_schedule=True, built_at=timezone.now(),
    )  # fmt: skip


def export_of_a(org):
    """An export A's complaint manager made of A's complaints."""
    return ExportJob.objects.create(
        user=User.objects.get(username="cm_a"), kind="complaints", status="ready",
        file=ContentFile(b"PK test", name="a.xlsx"), row_count=1,
        finished_at=timezone.now(), expires_at=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip


def checklist_of_a(org):
    lobby = UserFactory(username="lm_a_filler", branch=org.a, roles=[Role.LOBBY_MANAGER])
    return standards_factories.submitted_checklist(branch=org.a, by=lobby)


def missed_day_excuse_of_a(org):
    head = UserFactory(username="head_a_excuser", branch=org.a, roles=[Role.BRANCH_MANAGER])
    return MissedChecklistExcuse.objects.create(
        branch=org.a, business_date="2026-11-16", reason="停电", excused_by=head
    )


def checklist_template(org):
    return standards_factories.small_template()


def template_section(org):
    return checklist_template(org).sections.get()


def template_version(org):
    return checklist_template(org).current_version


def service_process(org):
    return ServiceProcess.objects.create(code="opening", name="开门迎客")


def standard_scenario(org):
    return StandardScenario.objects.create(
        process=service_process(org),
        number=1,
        title="列队",
        situation="开门前",
        expected_action="列队",
    )


def catalogue_import(org):
    """A manual uploaded by head office, waiting for its columns to be mapped."""
    hq = UserFactory(username="hq_manual", branch=org.hq, roles=[Role.HQ_SERVICE])
    return standards_services.catalogue_import_upload(
        by=hq, upload=ContentFile("序号,服务流程\n1,开门迎客\n".encode(), "manual.csv")
    )


def transaction_group(org):
    return saved_once(TransactionGroup.objects.order_by("pk").first())


def transaction_type(org):
    return saved_once(TransactionType.objects.order_by("pk").first())


def time_standard(org):
    return saved_once(servicetimes_factories.time_standard())


def teller_of_a(org):
    return servicetimes_factories.teller(org.a)


def queue_import_of_a(org):
    """A queue-system file of A, uploaded and waiting for its columns to be mapped."""
    head = UserFactory(username="head_a_importer", branch=org.a, roles=[Role.BRANCH_MANAGER])
    return servicetimes_services.ticket_import_upload(
        branch=org.a, by=head, upload=ContentFile("票号,业务类型\nA1,存款\n".encode(), "q.csv")
    )


def ticket_of_a(org):
    return servicetimes_factories.ticket(org.a)


def time_finding_of_a(org):
    head = UserFactory(username="head_a_finder", branch=org.a, roles=[Role.BRANCH_MANAGER])
    return servicetimes_services.finding_record(
        branch=org.a, period=dt.date(2026, 11, 1), cause="equipment",
        description="复印机离柜台太远", by=head,
    )  # fmt: skip


# --- the policy table ----------------------------------------------------------------------

# Objects named in the table's last column ("-": the URL takes no object).
OBJECTS = {
    "branch_a": branch_a,
    "staff_of_a": staff_of_a,
    "calendar_override": calendar_override,
    "outlet_day_of_a": outlet_day_of_a,
    "inspection_firm": inspection_firm,
    "engagement_of_a": engagement_of_a,
    "role_group": role_group,
    "login_of_a": login_of_a,
    "failed_login_of_a": failed_login_of_a,
    "lockout_of_a": lockout_of_a,
    "download_of_a": download_of_a,
    "complaint_of_a": complaint_of_a,
    "rectification_of_a": rectification_of_a,
    "business_channel": business_channel,
    "business_category": business_category,
    "complaint_reason": complaint_reason,
    "deadline_policy": deadline_policy,
    "checklist_template": checklist_template,
    "template_section": template_section,
    "template_version": template_version,
    "service_process": service_process,
    "standard_scenario": standard_scenario,
    "catalogue_import": catalogue_import,
    "checklist_of_a": checklist_of_a,
    "missed_day_excuse_of_a": missed_day_excuse_of_a,
    "notification_of_a": notification_of_a,
    "preference_of_a": preference_of_a,
    "webhook_of_a": webhook_of_a,
    "report_of_a": report_of_a,
    "export_of_a": export_of_a,
    "transaction_group": transaction_group,
    "transaction_type": transaction_type,
    "time_standard": time_standard,
    "teller_of_a": teller_of_a,
    "queue_import_of_a": queue_import_of_a,
    "ticket_of_a": ticket_of_a,
    "time_finding_of_a": time_finding_of_a,
    "opinion_book_of_a": opinion_book_of_a,
    "entry_taken_down_at_a": entry_taken_down_at_a,
}
# Objects that belong to no branch: everybody who may open their list sees them.
BANK_WIDE = {
    "-", "calendar_override", "inspection_firm", "role_group", "business_channel", "business_category",
    "complaint_reason",
    "deadline_policy", "checklist_template", "template_section", "template_version",
    "service_process", "standard_scenario", "catalogue_import", "transaction_group", "transaction_type",
    "time_standard",
}  # fmt: skip

# URL parameters other than the object's own key; any other parameter is read from the
# object's attribute of that name (branch_id, template_id, item_id...).
PARAMS = {
    "attachment_id": lambda obj: obj.attachments.get().pk,
    "file_id": lambda obj: obj.files.get().pk,
    # Verifying: the step head office and the sub-branch manager may take on A's notice.
    "step": lambda obj: "verify",
    "move": lambda obj: "acknowledge",
    "kind": lambda obj: obj.kind,
    "app_label": lambda obj: "branchservice",
    "content_type_id": lambda obj: ContentType.objects.get_for_model(obj).pk,
    # An outlet's public page is addressed by the outlet's code.
    "code": lambda obj: obj.outlet.code,
    # A satisfaction link's token: a made-up one is "not found" for everyone, never a login.
    "token": lambda obj: "made-up-token-0000000000",
}

# URL name, or the route of an unnamed pattern; one outcome per role; the object.
POLICY_TABLE = """
# URL                                                 hq    mgr   cm_a  lm_a  aud   cm_b  anon  inact  object
home                                                redir redir redir redir redir redir redir redir  -
healthz                                               open  open  open  open  open  open  open  open   -
set_language                                          redir redir redir redir redir redir redir redir  -

# The admin site itself (its index: the work queue of complaint handlers, auditors to the report centre)
admin:index                                           ok    ok    ok    login redir ok    login login  -
admin:login                                           redir redir redir ok    redir redir ok    ok     -
admin:logout                                          405   405   405   redir 405   405   redir redir  -
admin:password_change                                 ok    ok    ok    login ok    ok    login login  -
admin:password_change_done                            ok    ok    ok    login ok    ok    login login  -
# The second factor (branchservice/twofactor): one's own status and backup codes; the code page
# (passed already: on to the page asked for); enrolment (enrolled already: the status page).
twofactor:manage                                      ok    ok    ok    403   ok    ok    login login  -
twofactor:verify                                      redir redir 2fa   2fa   redir 2fa   login login  -
twofactor:enrol                                       redir redir ok    403   redir ok    login login  -
admin:autocomplete                                    403   403   403   login 403   403   login login  -
admin:jsi18n                                          ok    ok    ok    login ok    ok    login login  -
admin:view_on_site                                    404   404   404   login 404   404   login login  branch_a
admin:app_list                                        ok    ok    ok    login ok    ok    login login  -
admin/(?P<url>.*)$                                    404   404   404   login 404   404   login login  -

# Branches: everyone in the admin reads those in scope; head office edits; nobody deletes.
admin:branchservice_branch_changelist                 ok    ok    ok    login ok    ok    login login  branch_a
admin:branchservice_branch_add                        ok    403   403   login 403   403   login login  -
admin:branchservice_branch_change                     ok    ok    ok    login ok    404   login login  branch_a
admin:branchservice_branch_history                    ok    ok    ok    login ok    404   login login  branch_a
admin:branchservice_branch_simple_history             ok    ok    ok    login ok    404   login login  branch_a
admin:branchservice_branch_delete                     403   403   403   login 403   403   login login  branch_a
admin/branchservice/branch/<path:object_id>/          redir redir redir login redir redir login login  branch_a

# Staff: head office and branch managers manage those in scope; auditors read.
admin:branchservice_user_changelist                   ok    ok    403   login ok    403   login login  staff_of_a
admin:branchservice_user_add                          ok    ok    403   login 403   403   login login  -
admin:branchservice_user_change                       ok    ok    403   login ok    403   login login  staff_of_a
admin:branchservice_user_history                      ok    ok    403   login ok    404   login login  staff_of_a
admin:branchservice_user_simple_history               ok    ok    403   login ok    404   login login  staff_of_a
admin:branchservice_user_delete                       403   403   403   login 403   403   login login  staff_of_a
admin:auth_user_password_change                       ok    ok    403   login 403   403   login login  staff_of_a
admin/branchservice/user/<path:object_id>/            redir redir redir login redir redir login login  staff_of_a

# Calendar overrides: bank-wide; head office edits, the others in the admin read.
admin:branchservice_outletday_changelist              ok    ok    403   login 403   403   login login  outlet_day_of_a
admin:branchservice_outletday_add                     ok    ok    403   login 403   403   login login  -
admin:branchservice_outletday_change                  ok    ok    403   login 403   403   login login  outlet_day_of_a
admin:branchservice_outletday_history                 ok    ok    403   login 403   404   login login  outlet_day_of_a
admin:branchservice_outletday_simple_history          ok    ok    403   login 403   404   login login  outlet_day_of_a
admin:branchservice_outletday_delete                  ok    ok    403   login 403   403   login login  outlet_day_of_a
admin/branchservice/outletday/<path:object_id>/       redir redir redir login redir redir login login  outlet_day_of_a
# External inspection firms and their engagements: head office's alone.
admin:branchservice_inspectionfirm_changelist         ok    403   403   login 403   403   login login  inspection_firm
admin:branchservice_inspectionfirm_add                ok    403   403   login 403   403   login login  -
admin:branchservice_inspectionfirm_change             ok    403   403   login 403   403   login login  inspection_firm
admin:branchservice_inspectionfirm_history            ok    403   403   login 403   403   login login  inspection_firm
admin:branchservice_inspectionfirm_simple_history     ok    403   403   login 403   403   login login  inspection_firm
admin:branchservice_inspectionfirm_delete             ok    403   403   login 403   403   login login  inspection_firm
admin/branchservice/inspectionfirm/<path:object_id>/  redir redir redir login redir redir login login  inspection_firm
admin:branchservice_firmengagement_changelist         ok    403   403   login 403   403   login login  engagement_of_a
admin:branchservice_firmengagement_add                ok    403   403   login 403   403   login login  -
admin:branchservice_firmengagement_change             ok    403   403   login 403   403   login login  engagement_of_a
admin:branchservice_firmengagement_history            ok    403   403   login 403   403   login login  engagement_of_a
admin:branchservice_firmengagement_simple_history     ok    403   403   login 403   403   login login  engagement_of_a
admin:branchservice_firmengagement_delete             ok    403   403   login 403   403   login login  engagement_of_a
admin/branchservice/firmengagement/<path:object_id>/  redir redir redir login redir redir login login  engagement_of_a
admin:branchservice_calendaroverride_changelist       ok    ok    ok    login ok    ok    login login  calendar_override
admin:branchservice_calendaroverride_add              ok    403   403   login 403   403   login login  -
admin:branchservice_calendaroverride_change           ok    ok    ok    login ok    ok    login login  calendar_override
admin:branchservice_calendaroverride_history          ok    ok    ok    login ok    ok    login login  calendar_override
admin:branchservice_calendaroverride_simple_history   ok    ok    ok    login ok    ok    login login  calendar_override
admin:branchservice_calendaroverride_delete           ok    403   403   login 403   403   login login  calendar_override
admin:branchservice_calendaroverride_notice           ok    403   403   login 403   403   login login  -
admin/branchservice/calendaroverride/<path:object_id>/ redir redir redir login redir redir login login calendar_override

# Role groups: declared in code (roles.py); superusers only.
admin:auth_group_changelist                           403   403   403   login 403   403   login login  role_group
admin:auth_group_add                                  403   403   403   login 403   403   login login  -
admin:auth_group_change                               403   403   403   login 403   403   login login  role_group
admin:auth_group_history                              403   403   403   login 403   403   login login  role_group
admin:auth_group_delete                               403   403   403   login 403   403   login login  role_group
admin/auth/group/<path:object_id>/                    redir redir redir login redir redir login login  role_group

# The audit trail: head office and auditors read, within scope; nobody writes.
admin:axes_accesslog_changelist                       ok    403   403   login ok    403   login login  login_of_a
admin:axes_accesslog_add                              403   403   403   login 403   403   login login  -
admin:axes_accesslog_change                           ok    403   403   login ok    403   login login  login_of_a
admin:axes_accesslog_history                          ok    403   403   login ok    404   login login  login_of_a
admin:axes_accesslog_delete                           403   403   403   login 403   403   login login  login_of_a
admin/axes/accesslog/<path:object_id>/                redir redir redir login redir redir login login  login_of_a
admin:axes_accessfailurelog_changelist                ok    403   403   login ok    403   login login  failed_login_of_a
admin:axes_accessfailurelog_add                       403   403   403   login 403   403   login login  -
admin:axes_accessfailurelog_change                    ok    403   403   login ok    403   login login  failed_login_of_a
admin:axes_accessfailurelog_history                   ok    403   403   login ok    404   login login  failed_login_of_a
admin:axes_accessfailurelog_delete                    403   403   403   login 403   403   login login  failed_login_of_a
admin/axes/accessfailurelog/<path:object_id>/         redir redir redir login redir redir login login  failed_login_of_a
admin:axes_accessattempt_changelist                   ok    403   403   login ok    403   login login  lockout_of_a
admin:axes_accessattempt_add                          403   403   403   login 403   403   login login  -
admin:axes_accessattempt_change                       ok    403   403   login ok    403   login login  lockout_of_a
admin:axes_accessattempt_history                      ok    403   403   login ok    404   login login  lockout_of_a
admin:axes_accessattempt_delete                       403   403   403   login 403   403   login login  lockout_of_a
admin/axes/accessattempt/<path:object_id>/            redir redir redir login redir redir login login  lockout_of_a
admin:branchservice_filedownload_changelist           ok    403   403   login ok    403   login login  download_of_a
admin:branchservice_filedownload_add                  403   403   403   login 403   403   login login  -
admin:branchservice_filedownload_change               ok    403   403   login ok    403   login login  download_of_a
admin:branchservice_filedownload_history              ok    403   403   login ok    404   login login  download_of_a
admin:branchservice_filedownload_delete               403   403   403   login 403   403   login login  download_of_a
admin/branchservice/filedownload/<path:object_id>/    redir redir redir login redir redir login login  download_of_a


# Complaints (complaints/admin.py). Reference data is bank-wide; complaints, notices and
# attachments belong to the outlet. Auditors read a complaint's history, customer data masked.
admin:complaints_businesschannel_add                  ok    403   403   login 403   403   login login  -
admin:complaints_businesschannel_import               ok    403   403   login 403   403   login login  -
admin:complaints_businesscategory_add                 ok    403   403   login 403   403   login login  -
admin:complaints_businesscategory_import              ok    403   403   login 403   403   login login  -
admin:complaints_businesschannel_change               ok    ok    ok    login ok    ok    login login  business_channel
admin:complaints_businesscategory_change              ok    ok    ok    login ok    ok    login login  business_category
admin:complaints_businesschannel_changelist           ok    ok    ok    login ok    ok    login login  business_channel
admin:complaints_businesscategory_changelist          ok    ok    ok    login ok    ok    login login  business_category
admin:complaints_businesschannel_delete               403   403   403   login 403   403   login login  business_channel
admin:complaints_businesscategory_delete              403   403   403   login 403   403   login login  business_category
admin:complaints_businesschannel_history              ok    ok    ok    login ok    ok    login login  business_channel
admin:complaints_businesscategory_history             ok    ok    ok    login ok    ok    login login  business_category
admin:complaints_businesschannel_simple_history       ok    ok    ok    login ok    ok    login login  business_channel
admin:complaints_businesscategory_simple_history      ok    ok    ok    login ok    ok    login login  business_category
admin:complaints_complaint_add                        ok    ok    ok    login 403   ok    login login  -
admin:complaints_complaint_attachment                 ok    ok    ok    login ok    404   login login  complaint_of_a
admin:complaints_complaint_change                     ok    ok    ok    login ok    404   login login  complaint_of_a
admin:complaints_complaint_customer_history           405   405   405   login 405   405   login login  -
admin:complaints_complaint_changelist                 ok    ok    ok    login ok    ok    login login  complaint_of_a
admin:complaints_complaint_delete                     403   403   403   login 403   403   login login  complaint_of_a
admin:complaints_complaint_history                    ok    ok    ok    login ok    404   login login  complaint_of_a
admin:complaints_complaint_move                       ok    ok    ok    login 403   404   login login  complaint_of_a
admin:complaints_complaint_print                      ok    ok    ok    login ok    404   login login  complaint_of_a
admin:complaints_complaint_simple_history             ok    ok    ok    login ok    404   login login  complaint_of_a
admin:complaints_complaintreason_add                  ok    403   403   login 403   403   login login  -
admin:complaints_complaintreason_import               ok    403   403   login 403   403   login login  -
admin:complaints_complaintreason_change               ok    ok    ok    login ok    ok    login login  complaint_reason
admin:complaints_complaintreason_changelist           ok    ok    ok    login ok    ok    login login  complaint_reason
admin:complaints_complaintreason_delete               403   403   403   login 403   403   login login  complaint_reason
admin:complaints_complaintreason_history              ok    ok    ok    login ok    ok    login login  complaint_reason
admin:complaints_complaintreason_simple_history       ok    ok    ok    login ok    ok    login login  complaint_reason
admin:complaints_deadlinepolicy_add                   ok    403   403   login 403   403   login login  -
admin:complaints_deadlinepolicy_change                ok    ok    ok    login ok    ok    login login  deadline_policy
admin:complaints_deadlinepolicy_changelist            ok    ok    ok    login ok    ok    login login  deadline_policy
admin:complaints_deadlinepolicy_delete                403   403   403   login 403   403   login login  deadline_policy
admin:complaints_deadlinepolicy_history               ok    ok    ok    login ok    ok    login login  deadline_policy
admin:complaints_deadlinepolicy_simple_history        ok    ok    ok    login ok    ok    login login  deadline_policy
admin/complaints/complaint/<path:object_id>/          redir redir redir login redir redir login login  complaint_of_a
admin/complaints/businesschannel/<path:object_id>/    redir redir redir login redir redir login login  business_channel
admin/complaints/businesscategory/<path:object_id>/   redir redir redir login redir redir login login  business_category
admin/complaints/complaintreason/<path:object_id>/    redir redir redir login redir redir login login  complaint_reason
admin/complaints/deadlinepolicy/<path:object_id>/     redir redir redir login redir redir login login  deadline_policy




# Service checklists (standards): the lobby manager's pages, with their own sign-in page.
# Complaint managers have no checklist permissions; the inactive fall back to the sign-in.
# The first responder's intake pages (tablet shell): the intake role's only
complaints:intake                                     403   403   403   ok    403   403   login login  -
complaints:intake_done                                403   403   403   ok    403   403   login login  entry_taken_down_at_a

standards:home                                        ok    ok    403   redir ok    403   login login  -
standards:login                                       ok    ok    ok    ok    ok    ok    ok    ok     -
standards:logout                                      405   405   405   405   405   405   405   405    -
standards:outlet                                      ok    ok    403   ok    ok    403   login login  checklist_of_a
standards:history                                     ok    ok    403   ok    ok    403   login login  checklist_of_a
standards:start                                       405   405   403   405   405   403   login login  checklist_of_a
standards:checklist                                   ok    ok    403   ok    ok    403   login login  checklist_of_a
standards:photo                                       ok    ok    403   ok    ok    403   login login  checklist_of_a
standards:audio                                       ok    ok    403   ok    ok    403   login login  checklist_of_a
standards:answer                                      405   405   403   405   405   403   login login  checklist_of_a
standards:stay_signed_in                              405   405   403   405   405   403   login login  -

# Filled checklists: read in scope, never added, changed or deleted in the admin; heads review.
admin:standards_catalogueimport_changelist            ok    403   403   login 403   403   login login  catalogue_import
admin:standards_catalogueimport_add                   403   403   403   login 403   403   login login  -
admin:standards_catalogueimport_upload                ok    403   403   login 403   403   login login  -
admin:standards_catalogueimport_map                   ok    403   403   login 403   403   login login  catalogue_import
admin:standards_catalogueimport_change                ok    403   403   login 403   403   login login  catalogue_import
admin:standards_catalogueimport_history               ok    403   403   login 403   403   login login  catalogue_import
admin:standards_catalogueimport_delete                403   403   403   login 403   403   login login  catalogue_import
admin/standards/catalogueimport/<path:object_id>/     redir redir redir login redir redir login login  catalogue_import
admin:standards_checklist_changelist                  ok    ok    403   login ok    403   login login  checklist_of_a
admin:standards_checklist_add                         403   403   403   login 403   403   login login  -
admin:standards_checklist_change                      ok    ok    403   login ok    403   login login  checklist_of_a
admin:standards_checklist_history                     ok    ok    403   login ok    404   login login  checklist_of_a
admin:standards_checklist_delete                      403   403   403   login 403   403   login login  checklist_of_a
admin:standards_checklist_review                      ok    ok    403   login 403   403   login login  checklist_of_a
admin/standards/checklist/<path:object_id>/           redir redir redir login redir redir login login  checklist_of_a
admin:standards_missedchecklistexcuse_changelist      ok    ok    403   login ok    403   login login  missed_day_excuse_of_a
admin:standards_missedchecklistexcuse_add             ok    ok    403   login 403   403   login login  -
admin:standards_missedchecklistexcuse_change          ok    ok    403   login ok    403   login login  missed_day_excuse_of_a
admin:standards_missedchecklistexcuse_history         ok    ok    403   login ok    404   login login  missed_day_excuse_of_a
admin:standards_missedchecklistexcuse_simple_history  ok    ok    403   login ok    404   login login  missed_day_excuse_of_a
admin:standards_missedchecklistexcuse_delete          403   403   403   login 403   403   login login  missed_day_excuse_of_a
admin/standards/missedchecklistexcuse/<path:object_id>/ redir redir redir login redir redir login login missed_day_excuse_of_a

# The standards catalogue and templates: bank-wide; head office edits, managers and auditors read.
admin:standards_checklisttemplate_changelist          ok    ok    403   login ok    403   login login  checklist_template
admin:standards_checklisttemplate_add                 ok    403   403   login 403   403   login login  -
admin:standards_checklisttemplate_change              ok    ok    403   login ok    403   login login  checklist_template
admin:standards_checklisttemplate_history             ok    ok    403   login ok    403   login login  checklist_template
admin:standards_checklisttemplate_simple_history      ok    ok    403   login ok    403   login login  checklist_template
admin:standards_checklisttemplate_delete              ok    403   403   login 403   403   login login  checklist_template
admin/standards/checklisttemplate/<path:object_id>/   redir redir redir login redir redir login login  checklist_template
admin:standards_templatesection_changelist            ok    403   403   login 403   403   login login  template_section
admin:standards_templatesection_add                   ok    403   403   login 403   403   login login  -
admin:standards_templatesection_change                ok    403   403   login 403   403   login login  template_section
admin:standards_templatesection_history               ok    403   403   login 403   403   login login  template_section
admin:standards_templatesection_simple_history        ok    403   403   login 403   403   login login  template_section
admin:standards_templatesection_delete                ok    403   403   login 403   403   login login  template_section
admin/standards/templatesection/<path:object_id>/     redir redir redir login redir redir login login  template_section
admin:standards_templateversion_changelist            ok    ok    403   login ok    403   login login  template_version
admin:standards_templateversion_add                   403   403   403   login 403   403   login login  -
admin:standards_templateversion_change                ok    ok    403   login ok    403   login login  template_version
admin:standards_templateversion_history               ok    ok    403   login ok    403   login login  template_version
admin:standards_templateversion_delete                403   403   403   login 403   403   login login  template_version
admin/standards/templateversion/<path:object_id>/     redir redir redir login redir redir login login  template_version
admin:standards_serviceprocess_changelist             ok    ok    403   login ok    403   login login  service_process
admin:standards_serviceprocess_add                    ok    403   403   login 403   403   login login  -
admin:standards_serviceprocess_change                 ok    ok    403   login ok    403   login login  service_process
admin:standards_serviceprocess_history                ok    ok    403   login ok    403   login login  service_process
admin:standards_serviceprocess_simple_history         ok    ok    403   login ok    403   login login  service_process
admin:standards_serviceprocess_delete                 ok    403   403   login 403   403   login login  service_process
admin/standards/serviceprocess/<path:object_id>/      redir redir redir login redir redir login login  service_process
admin:standards_standardscenario_changelist           ok    ok    403   login ok    403   login login  standard_scenario
admin:standards_standardscenario_add                  ok    403   403   login 403   403   login login  -
admin:standards_standardscenario_change               ok    ok    403   login ok    403   login login  standard_scenario
admin:standards_standardscenario_history              ok    ok    403   login ok    403   login login  standard_scenario
admin:standards_standardscenario_simple_history       ok    ok    403   login ok    403   login login  standard_scenario
admin:standards_standardscenario_delete               ok    403   403   login 403   403   login login  standard_scenario
admin/standards/standardscenario/<path:object_id>/    redir redir redir login redir redir login login  standard_scenario


# Rectifications (branchservice/rectifications), every source: worked in scope by whoever may
# change them; each step page only for who may take that step (verify: outlet head or above).
admin:rectifications_rectification_add                403   403   403   login 403   403   login login  -
admin:rectifications_rectification_change             ok    ok    ok    login ok    404   login login  rectification_of_a
admin:rectifications_rectification_changelist         ok    ok    ok    login ok    ok    login login  rectification_of_a
admin:rectifications_rectification_delete             403   403   403   login 403   403   login login  rectification_of_a
admin:rectifications_rectification_history            ok    ok    ok    login ok    404   login login  rectification_of_a
admin:rectifications_rectification_simple_history     ok    ok    ok    login ok    404   login login  rectification_of_a
admin:rectifications_rectification_step               ok    ok    403   login 403   404   login login  rectification_of_a
admin:rectifications_rectification_file               ok    ok    ok    login ok    404   login login  rectification_of_a
admin:rectifications_rectification_print              ok    ok    ok    login ok    404   login login  rectification_of_a
admin/rectifications/rectification/<path:object_id>/  redir redir redir login redir redir login login  rectification_of_a

# Changelist exports (the complaint, checklist and rectification lists' filters).
# Each exports only what the list shows; the rows inside the files are not checked here.
admin:complaints_complaint_export                     405   405   405   login 405   405   login login  complaint_of_a
admin:standards_checklist_export                      405   405   405   login 405   405   login login  checklist_of_a
admin:rectifications_rectification_export             405   405   405   login 405   405   login login  rectification_of_a

# Reminders (branchservice/notifications): a reminder opens for its recipient only.
admin/notifications/notification/<path:object_id>/    redir redir redir login redir redir login login  notification_of_a
admin/notifications/notificationpreference/<path:object_id>/ redir redir redir login redir redir login login  preference_of_a
admin/notifications/wecomwebhook/<path:object_id>/    redir redir redir login redir redir login login  webhook_of_a
admin:notifications_notification_add                  403   403   403   login 403   403   login login  -
admin:notifications_notification_change               ok    ok    ok    login ok    404   login login  notification_of_a
admin:notifications_notification_changelist           ok    ok    ok    login ok    ok    login login  notification_of_a
admin:notifications_notification_delete               403   403   403   login 403   403   login login  notification_of_a
admin:notifications_notification_history              ok    ok    ok    login ok    404   login login  notification_of_a
admin:notifications_notificationpreference_add        ok    ok    403   login 403   403   login login  -
admin:notifications_notificationpreference_change     ok    ok    403   login 403   403   login login  preference_of_a
admin:notifications_notificationpreference_changelist ok    ok    403   login 403   403   login login  preference_of_a
admin:notifications_notificationpreference_delete     ok    403   403   login 403   403   login login  preference_of_a
admin:notifications_notificationpreference_history    ok    ok    403   login 403   404   login login  preference_of_a
admin:notifications_wecomwebhook_add                  ok    ok    403   login 403   403   login login  -
admin:notifications_wecomwebhook_change               ok    ok    403   login 403   403   login login  webhook_of_a
admin:notifications_wecomwebhook_changelist           ok    ok    403   login 403   403   login login  webhook_of_a
admin:notifications_wecomwebhook_delete               ok    403   403   login 403   403   login login  webhook_of_a
admin:notifications_wecomwebhook_history              ok    ok    403   login 403   404   login login  webhook_of_a
notifications:mine                                    ok    ok    ok    ok    ok    ok    login login  -
notifications:open                                    404   404   redir 404   404   404   login login  notification_of_a
notifications:read_all                                405   405   405   405   405   405   405   405    -

# Teller time limits (servicetimes). The standard table: bank-wide; head office edits, branch
# managers and auditors read; nobody deletes (tickets were judged against it).
admin:servicetimes_transactiongroup_changelist        ok    ok    403   login ok    403   login login  transaction_group
admin:servicetimes_transactiongroup_add               ok    403   403   login 403   403   login login  -
admin:servicetimes_transactiongroup_change            ok    ok    403   login ok    403   login login  transaction_group
admin:servicetimes_transactiongroup_history           ok    ok    403   login ok    403   login login  transaction_group
admin:servicetimes_transactiongroup_simple_history    ok    ok    403   login ok    403   login login  transaction_group
admin:servicetimes_transactiongroup_delete            403   403   403   login 403   403   login login  transaction_group
admin/servicetimes/transactiongroup/<path:object_id>/ redir redir redir login redir redir login login  transaction_group
admin:servicetimes_transactiontype_changelist         ok    ok    403   login ok    403   login login  transaction_type
admin:servicetimes_transactiontype_add                ok    403   403   login 403   403   login login  -
admin:servicetimes_transactiontype_change             ok    ok    403   login ok    403   login login  transaction_type
admin:servicetimes_transactiontype_history            ok    ok    403   login ok    403   login login  transaction_type
admin:servicetimes_transactiontype_simple_history     ok    ok    403   login ok    403   login login  transaction_type
admin:servicetimes_transactiontype_delete             403   403   403   login 403   403   login login  transaction_type
admin/servicetimes/transactiontype/<path:object_id>/  redir redir redir login redir redir login login  transaction_type
admin:servicetimes_timestandard_changelist            ok    ok    403   login ok    403   login login  time_standard
admin:servicetimes_timestandard_add                   ok    403   403   login 403   403   login login  -
admin:servicetimes_timestandard_change                ok    ok    403   login ok    403   login login  time_standard
admin:servicetimes_timestandard_history               ok    ok    403   login ok    403   login login  time_standard
admin:servicetimes_timestandard_simple_history        ok    ok    403   login ok    403   login login  time_standard
admin:servicetimes_timestandard_delete                403   403   403   login 403   403   login login  time_standard
admin/servicetimes/timestandard/<path:object_id>/     redir redir redir login redir redir login login  time_standard
# An outlet's tellers, queue-log imports, tickets and findings: those who see the outlet.
admin:servicetimes_teller_changelist                  ok    ok    403   login ok    403   login login  teller_of_a
admin:servicetimes_teller_add                         ok    ok    403   login 403   403   login login  -
admin:servicetimes_teller_change                      ok    ok    403   login ok    403   login login  teller_of_a
admin:servicetimes_teller_history                     ok    ok    403   login ok    404   login login  teller_of_a
admin:servicetimes_teller_simple_history              ok    ok    403   login ok    404   login login  teller_of_a
admin:servicetimes_teller_delete                      403   403   403   login 403   403   login login  teller_of_a
admin/servicetimes/teller/<path:object_id>/           redir redir redir login redir redir login login  teller_of_a
admin:servicetimes_ticketimport_changelist            ok    ok    403   login ok    403   login login  queue_import_of_a
admin:servicetimes_ticketimport_add                   403   403   403   login 403   403   login login  -
admin:servicetimes_ticketimport_upload                ok    ok    403   login 403   403   login login  -
admin:servicetimes_ticketimport_map                   ok    ok    403   login 403   403   login login  queue_import_of_a
admin:servicetimes_ticketimport_change                ok    ok    403   login ok    403   login login  queue_import_of_a
admin:servicetimes_ticketimport_history               ok    ok    403   login ok    404   login login  queue_import_of_a
admin:servicetimes_ticketimport_delete                403   403   403   login 403   403   login login  queue_import_of_a
admin/servicetimes/ticketimport/<path:object_id>/     redir redir redir login redir redir login login  queue_import_of_a
admin:servicetimes_ticket_changelist                  ok    ok    403   login ok    403   login login  ticket_of_a
admin:servicetimes_ticket_add                         403   403   403   login 403   403   login login  -
admin:servicetimes_ticket_change                      ok    ok    403   login ok    403   login login  ticket_of_a
admin:servicetimes_ticket_history                     ok    ok    403   login ok    404   login login  ticket_of_a
admin:servicetimes_ticket_delete                      403   403   403   login 403   403   login login  ticket_of_a
admin:servicetimes_ticket_export                      405   405   405   login 405   405   login login  ticket_of_a
admin:servicetimes_ticket_results                     ok    ok    403   login ok    403   login login  ticket_of_a
admin:servicetimes_ticket_time                        ok    ok    403   login 403   403   login login  -
admin/servicetimes/ticket/<path:object_id>/           redir redir redir login redir redir login login  ticket_of_a
admin:servicetimes_finding_changelist                 ok    ok    403   login ok    403   login login  time_finding_of_a
admin:servicetimes_finding_add                        403   403   403   login 403   403   login login  -
admin:servicetimes_finding_change                     ok    ok    403   login ok    403   login login  time_finding_of_a
admin:servicetimes_finding_history                    ok    ok    403   login ok    404   login login  time_finding_of_a
admin:servicetimes_finding_simple_history             ok    ok    403   login ok    404   login login  time_finding_of_a
admin:servicetimes_finding_delete                     403   403   403   login 403   403   login login  time_finding_of_a
admin/servicetimes/finding/<path:object_id>/          redir redir redir login redir redir login login  time_finding_of_a

# The report centre (reporting): reports of A for those who see A.
reporting:build                                       405   405   405   405   405   405   405   405    -
reporting:centre                                      ok    ok    ok    403   ok    ok    login login  -
reporting:dashboard                                   ok    ok    403   403   ok    403   login login  -
reporting:download_report                             ok    ok    403   403   ok    403   login login  report_of_a
# The branch league table and the outlet overview: those who read the reports, within scope
# (an outlet's complaint manager has no report permission; B's sees A's overview as 403 too).
reporting:league                                      ok    ok    403   403   ok    403   login login  -
reporting:outlet                                      ok    ok    403   403   ok    403   login login  branch_a

# Exports (branchservice.exports, under /reports/): an export job and its file for the user
# who made it only.
exports:download_export                               404   404   ok    404   404   404   login login  export_of_a
exports:export                                        405   405   405   405   405   405   405   405    export_of_a
exports:export_status                                 404   404   open  404   404   404   login login  export_of_a

# The customer's side (opinionbook). PUBLIC: the pages a customer opens from the poster, for
# anyone, signed in or not. The switch of each outlet's book: its outlet head and head office.
opinionbook:book                                      ok    ok    ok    ok    ok    ok    ok    ok     opinion_book_of_a
opinionbook:lookup                                    ok    ok    ok    ok    ok    ok    ok    ok     -
opinionbook:lookup_code                               405   405   405   405   405   405   405   405    -
opinionbook:satisfaction                              404   404   404   404   404   404   404   404    -
admin:opinionbook_opinionbook_changelist              ok    ok    ok    login ok    ok    login login  opinion_book_of_a
admin:opinionbook_opinionbook_add                     ok    ok    403   login 403   403   login login  -
admin:opinionbook_opinionbook_change                  ok    ok    ok    login ok    404   login login  opinion_book_of_a
admin:opinionbook_opinionbook_delete                  403   403   403   login 403   403   login login  opinion_book_of_a
admin:opinionbook_opinionbook_history                 ok    ok    ok    login ok    404   login login  opinion_book_of_a
admin:opinionbook_opinionbook_simple_history          ok    ok    ok    login ok    404   login login  opinion_book_of_a
admin:opinionbook_opinionbook_poster                  ok    ok    ok    login ok    404   login login  opinion_book_of_a
admin/opinionbook/opinionbook/<path:object_id>/       redir redir redir login redir redir login login  opinion_book_of_a
"""


@dataclass(frozen=True)
class Policy:
    key: str  # URL name with namespace, or the route of an unnamed pattern
    expect: dict[str, str]  # role -> outcome
    obj: str  # a key of OBJECTS, or "-"

    def __str__(self):
        return self.key


def parse(table: str) -> list[Policy]:
    policies = []
    for line in table.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, *outcomes, obj = line.split()
        assert len(outcomes) == len(ROLES), f"{key}: one outcome per role"
        assert obj in OBJECTS or obj == "-", f"{key}: unknown object {obj}"
        assert set(outcomes) <= OUTCOMES, f"{key}: unknown outcome in {outcomes}"
        policies.append(Policy(key, dict(zip(ROLES, outcomes, strict=True)), obj))
    return policies


OUTCOMES = {"ok", "403", "404", "login", "redir", "405", "open", "2fa"}

# Roles that must pass the second factor (TWO_FACTOR_REQUIRED_ROLES), tried again with the
# password only; and what such a session gets on the URLs it may still open
# (branchservice/twofactor/middleware.py OPEN_VIEWS): everywhere else "2fa".
UNVERIFIED_ROLES = ["hq", "mgr", "aud"]
UNVERIFIED_OPEN = {
    "healthz": "open",
    "set_language": "redir",
    "admin:login": "redir",
    "admin:logout": "405",
    "standards:login": "ok",
    "standards:logout": "405",
    "twofactor:verify": "ok",
    # The customers' public pages, open to a member of staff as to anyone.
    "opinionbook:book": "ok",
    "opinionbook:lookup": "ok",
    "opinionbook:lookup_code": "405",
    "opinionbook:satisfaction": "404",
    # Enrolled already (the verified session of the same person enrolled): the code page.
    "twofactor:enrol": "2fa",
}
POLICY = parse(POLICY_TABLE)
POLICY_BY_KEY = {p.key: p for p in POLICY}


# --- discovery -----------------------------------------------------------------------------


def discover(patterns=None, prefix="", namespace=None):
    """(key, route) of every URL pattern: (name with its namespace, route), or for an unnamed
    pattern (its full route, None)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from discover(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route
            else:
                yield route, None


def test_the_pages_open_before_the_second_factor_are_the_middlewares():
    opened = {key for key, outcome in UNVERIFIED_OPEN.items() if outcome != "2fa"}
    assert opened | {"twofactor:enrol"} == OPEN_VIEWS


def test_every_url_has_a_policy():
    discovered = {key for key, _route in discover()}
    missing = sorted(discovered - POLICY_BY_KEY.keys())
    stale = sorted(POLICY_BY_KEY.keys() - discovered)
    assert not missing, f"URLs without a row in POLICY: {missing}"
    assert not stale, f"POLICY rows for URLs that no longer exist: {stale}"
    assert len(POLICY_BY_KEY) == len(POLICY), "a URL has two rows in POLICY"


# --- the people ----------------------------------------------------------------------------


@pytest.fixture
def cast(org, hq, manager, outlet_user, lobby_user, auditor, outsider):
    inactive = UserFactory(
        username="former_mgr", branch=org.s1, roles=[Role.BRANCH_MANAGER], is_active=False
    )
    today = timezone.localdate()
    return {
        "hq": hq, "mgr": manager, "cm_a": outlet_user, "lm_a": lobby_user,
        "aud": auditor, "cm_b": outsider, "anon": None, "inact": inactive,
        # External firms' inspectors (admin staff, so the admin is tried too): one engaged for
        # B only, one whose engagement for A ended yesterday. Checked by FIRM_OUTSIDERS below.
        "firm_b": firm_inspector(org.b, username="firm_b", is_staff=True),
        "firm_a_ended": firm_inspector(
            org.a, username="firm_a_ended", is_staff=True,
            starts_on=today - dt.timedelta(days=90), ends_on=today - dt.timedelta(days=1),
        ),
    }  # fmt: skip


# A firm's inspector outside their engagement gets nothing of A: no page of an object of A opens
# for them unless it opens for B's complaint manager too, and no list they open shows A's row.
FIRM_OUTSIDERS = ["firm_b", "firm_a_ended"]


def client_for(user, *, second_factor=True):
    client = Client()
    if user is not None:
        # force_login: the session a deactivated user still holds must not let them in.
        client.force_login(user, backend="branchservice.backends.StaffBackend")
        if second_factor and user.is_active and second_factor_required(user):
            pass_second_factor(client, user)
    return client


def url_for(policy: Policy, obj) -> str:
    """The URL to request: arguments follow from the route's parameters and the object."""
    route = route_of(policy.key)
    if route is None:  # unnamed patterns: the key is the route
        if "(?P<url>" in policy.key:
            return "/admin/no-such-page/"
        return "/" + policy.key.replace("<path:object_id>", str(obj.pk))
    if "/history/([^/]+)" in route:  # simple-history's page of one past version
        return reverse(policy.key, args=[obj.pk, obj.history.latest().history_id])
    names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    kwargs = {}
    for name in (a or b for a, b in names):
        own_key = name in ("object_id", "pk", "id")
        if own_key:
            kwargs[name] = obj.pk
        else:
            kwargs[name] = PARAMS[name](obj) if name in PARAMS else getattr(obj, name)
    return reverse(policy.key, kwargs=kwargs)


def route_of(key):
    return dict(discover())[key]


def outcome_of(response) -> str:
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        if resolve(urlsplit(location).path).view_name in ("twofactor:verify", "twofactor:enrol"):
            return "2fa"
        if resolve(urlsplit(location).path).url_name == "login":
            return "login"
        if location == reverse("admin:index"):
            return "404|redir"  # the admin's answer to a record it cannot find
        return "redir"
    if status == 404:
        return "404"
    if status in (200, 503) and response.get("Content-Type", "").startswith("application/json"):
        return "open"
    return {200: "ok", 403: "403", 405: "405"}.get(status, str(status))


@pytest.mark.parametrize("policy", POLICY, ids=str)
def test_each_role_gets_what_the_policy_says(policy, org, cast):
    obj = OBJECTS[policy.obj](org) if policy.obj != "-" else None
    url = url_for(policy, obj)
    actual = {}
    for role, user in cast.items():
        response = client_for(user).get(url)
        actual[role] = outcome_of(response)
        if (
            role in ("cm_b", *FIRM_OUTSIDERS)
            and policy.obj not in BANK_WIDE
            and "cl" in (response.context or {})
        ):
            listed = {row.pk for row in response.context["cl"].result_list}
            assert obj.pk not in listed, f"{url}: {role} sees A's row"
        if role in FIRM_OUTSIDERS and policy.obj not in BANK_WIDE and actual[role] == "ok":
            # A list (checked just above), or a page that shows A's outsider nothing of A.
            shown_to_outsiders = policy.expect["cm_b"] == "ok"
            assert shown_to_outsiders or "cl" in (response.context or {}), f"{url}: {role}"
    for role in UNVERIFIED_ROLES:
        response = client_for(cast[role], second_factor=False).get(url)
        actual[f"{role} (password only)"] = outcome_of(response)
    if os.environ.get("ACCESS_MATRIX_DUMP"):
        # ACCESS_MATRIX_DUMP=file: write what each role got, to draft rows for new URLs.
        with open(os.environ["ACCESS_MATRIX_DUMP"], "a") as dump:
            print(policy.key, *(actual[r] for r in ROLES), policy.obj, file=dump)
    expect = {
        **policy.expect,
        **{
            f"{role} (password only)": UNVERIFIED_OPEN.get(policy.key, "2fa")
            for role in UNVERIFIED_ROLES
        },
    }
    wrong = {
        role: f"expected {expect[role]}, got {actual[role]}"
        for role in expect
        if expect[role] not in actual[role].split("|")
    }
    assert not wrong, f"{url}: {wrong}"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("standards:home", "ok"),
        ("standards:outlet", "ok"),
        # The outlet's own daily check is none of a firm's business (Checklist.seen_by).
        ("standards:checklist", "404"),
        ("admin:standards_checklist_change", "404|redir"),
        # The inspector role's permissions still decide: none on complaints or reports.
        ("admin:complaints_complaint_changelist", "403"),
        ("admin:complaints_complaint_change", "403"),
        ("reporting:centre", "403"),
        ("admin:branchservice_firmengagement_changelist", "403"),
    ],
)
def test_a_firms_inspector_engaged_for_a_gets_what_the_inspector_role_allows_there(
    org, key, expected
):
    policy = POLICY_BY_KEY[key]
    obj = OBJECTS[policy.obj](org) if policy.obj != "-" else None
    inspector = firm_inspector(org.a, username="firm_a", is_staff=True)
    assert outcome_of(client_for(inspector).get(url_for(policy, obj))) == expected
