"""The first responder's intake pages (首问负责制): a teller, customer manager or lobby manager
takes down what the customer says, on the tablet, into their outlet's register. The complaint
itself is worked in the admin."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone

from branchservice.scoping import get_scoped_or_404

from . import services
from .forms import IntakeForm
from .models import Complaint


def intake_page(view):
    """Logged in on the tablet pages' login; refused, with the reason, to those who may not
    take entries down (services.intake_refusal)."""

    @login_required(login_url=reverse_lazy("standards:login"))
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        refusal = services.intake_refusal(request.user)
        if refusal:
            return render(
                request, "complaints/intake_refused.html", {"refusal": refusal}, status=403
            )
        return view(request, *args, **kwargs)

    return wrapped


@intake_page
def intake(request):
    form = IntakeForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            complaint = services.complaint_register(
                user=request.user,
                branch=request.user.branch,
                received_at=timezone.now(),
                first_responder=request.user,
                **form.service_kwargs(),
            )
        except services.DuplicateSubmission as duplicate:
            # A double tap: show the entry the first tap registered.
            return redirect("complaints:intake_done", pk=duplicate.complaint.pk)
        except ValidationError as refused:
            form.add_service_errors(refused)
        else:
            return redirect("complaints:intake_done", pk=complaint.pk)
    return render(request, "complaints/intake.html", {"form": form})


@intake_page
def intake_done(request, pk):
    """The reference to tell the customer. Only for the entries this person took down: a first
    responder does not read the register."""
    complaint = get_scoped_or_404(
        Complaint.objects.select_related("branch", "handler"),
        request.user,
        pk=pk,
        registered_by=request.user,
    )
    return render(request, "complaints/intake_done.html", {"complaint": complaint})
