"""Who sees customers' personal data in full: one rule on screen, one permission in files
(branchservice.pii), used by the complaint admin, its history and every export."""

from branchservice.pii import exports_unmasked, sees_unmasked


def test_the_people_who_handle_complaints_see_it_on_screen_auditors_do_not(
    hq, manager, outlet_user, auditor, lobby_user
):
    assert all(sees_unmasked(user) for user in (hq, manager, outlet_user))
    assert not any(sees_unmasked(user) for user in (auditor, lobby_user))


def test_only_head_office_exports_it_unmasked(hq, manager, outlet_user, auditor):
    assert exports_unmasked(hq)
    assert not any(exports_unmasked(user) for user in (manager, outlet_user, auditor))
