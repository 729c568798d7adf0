def _fill_page_text():
    """What the page's script says (static/standards/checklist.js), translated here so that it
    stays in this app's catalogue; the page hands it over as JSON."""
    return {
        "saving": _("Saving…"),
        "saved": _("Saved at %(time)s"),
        "pending": _("%(count)s answers not saved yet"),
        "offline": _("No connection: your answers are kept on this device and sent when it is back."),
        "error": _("Not saved: the server did not answer. Trying again shortly."),
        "kept_on_device": _("Signed out: your answers are kept on this device."),
        "not_saved": _("Not saved"),
        "session_ending": _("You will be signed out in %(time)s for inactivity."),
        "stay_signed_in": _("Stay signed in"),
        "signed_out": _(
            "You have been signed out. Your answers are kept on this device and are sent as "
            "soon as you sign in again."
        ),
        "sign_in_again": _("Sign in again"),
        "conflict_on_load": _(
            "These answers were given on this device but not saved, and the checklist has "
            "been saved elsewhere since. Compare them with the page, then keep yours or "
            "discard them."
        ),
        "overwrite": _("Overwrite with my answers"),
        "discard": _("Discard my answers"),
        "dismiss": _("Dismiss"),
        "all_pass": _("All pass"),
        "all_pass_help": _("Mark every pass/fail item of this section not answered yet as passed"),
        "wait_before_submit": _(
            "%(count)s answers are not on the server yet, so the checklist was not submitted. "
            "Try again when the connection is back."
        ),
        "unanswered": _("not answered"),
        "score": _("score %(score)s"),
        "results": dict(ChecklistAnswer.Result.choices),
    }
