"""The public pages: no login, CSRF on, their own strict content security policy, small
bodies, rate limits per address and per outlet. Thin: forms validate, services write."""

from functools import partial, wraps

from csp.decorators import csp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from branchservice.files import max_request_bytes
from complaints.services import DuplicateSubmission

from . import limits, selectors, services, sms
from .forms import LookupForm, OpinionForm, PhoneCodeForm, SatisfactionForm, refusal_errors
from .progress import progress_of

# Nothing but our own style sheet, script and the page's own forms: no inline code, no style
# attributes, no frames, no other origin.
PUBLIC_CSP = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}


def public_page(view):
    """What every public page shares: the methods, the body cap, the policy, no caching
    (a page may show a lookup code)."""

    @max_request_bytes(settings.OPINION_BOOK_MAX_BODY_BYTES)
    @require_http_methods(["GET", "POST"])
    @csp(PUBLIC_CSP)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapped


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


@public_page
def book(request, code):
    book = selectors.open_book(code)
    if book is None:
        return render(request, "opinionbook/closed.html", status=404)
    context = {"book": book, "outlet": book.outlet}
    if request.method == "GET":
        return render(request, "opinionbook/book.html", {**context, "form": OpinionForm()})
    form = OpinionForm(request.POST)
    if request.FILES:
        # The form has no file field: a body with files is not from our page.
        return render(request, "opinionbook/book.html", {**context, "form": form}, status=400)
    wait = limits.submission_wait(request, book)
    if wait is not None:
        context.update(form=form, wait_minutes=_minutes(wait))
        return render(request, "opinionbook/book.html", context, status=429)
    if form.is_valid():
        try:
            entry, lookup = services.opinion_submit(book=book, **form.entry())
        except DuplicateSubmission as dup:
            return render(request, "opinionbook/thanks.html", {**context, "entry": dup.complaint})
        except ValidationError as exc:
            refusal_errors(form, exc)
        else:
            code = services.display_code(lookup)
            texted = services.receipt_sms(entry=entry, code=code)
            context.update(entry=entry, code=code, texted=texted)
            return render(request, "opinionbook/thanks.html", context)
    return render(request, "opinionbook/book.html", {**context, "form": form})


def _lookup_page(request, form, *, status=200, phone_form=None, **extra):
    """The lookup page; with a gateway configured, it also offers a texted one-time code."""
    if phone_form is None and sms.configured():
        phone_form = PhoneCodeForm(prefix="phone")
    context = {"form": form, "phone_form": phone_form, **extra}
    return render(request, "opinionbook/lookup.html", context, status=status)


@public_page
def lookup(request):
    """Reference and code → where the entry stands. Rate-limited per address; a wrong
    reference, a wrong code and a locked reference get the same answer."""
    if request.method == "GET":
        return _lookup_page(request, LookupForm())
    form = LookupForm(request.POST)
    wait = limits.lookup_wait(request)
    if wait is not None:
        return _lookup_page(request, form, status=429, wait_minutes=_minutes(wait))
    if form.is_valid():
        entry = services.lookup_find(**form.cleaned_data)
        if entry is not None:
            context = {"progress": progress_of(entry)}
            if services.awaits_customer_rating(entry):
                # Whoever holds the reference and the code may rate the reply: here is a link.
                context["rating_token"] = services.satisfaction_link_issue(complaint=entry)
            return render(request, "opinionbook/progress.html", context)
        # The code is not shown again: the same page whatever was wrong.
        form = LookupForm(initial={"reference": form.cleaned_data["reference"]})
        return _lookup_page(request, form, not_found=True)
    return _lookup_page(request, form)


@public_page
def lookup_code(request):
    """A lost lookup code: a one-time code texted to the entry's own mobile number. Counted
    with the lookups of the address; the page answers alike whatever matched."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not sms.configured():
        raise Http404
    phone_form = PhoneCodeForm(request.POST, prefix="phone")
    wait = limits.lookup_wait(request)
    if wait is not None:
        return _lookup_page(
            request, LookupForm(), phone_form=phone_form, status=429, wait_minutes=_minutes(wait)
        )
    if not phone_form.is_valid():
        return _lookup_page(request, LookupForm(), phone_form=phone_form)
    services.phone_code_send(**phone_form.cleaned_data)
    form = LookupForm(initial={"reference": phone_form.cleaned_data["reference"]})
    return _lookup_page(request, form, code_texted=services.PHONE_CODE_MINUTES)


@public_page
def satisfaction(request, token):
    """The customer rates the reply through a one-time link: the follow-up visit, online.
    An unknown, used or expired link, or an entry no longer awaiting a rating, all get the
    same page."""
    wait = limits.satisfaction_wait(request)
    if wait is not None:
        context = {"wait_minutes": _minutes(wait)}
        return render(request, "opinionbook/satisfaction_gone.html", context, status=429)
    gone = partial(render, request, "opinionbook/satisfaction_gone.html", status=404)
    form = SatisfactionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The answer finds the link itself, under its lock: no read of it before.
        try:
            entry = services.satisfaction_answer(token=token, **form.cleaned_data)
        except ValidationError as exc:
            refusal_errors(form, exc)
        else:
            if entry is None:
                return gone()
            return render(request, "opinionbook/satisfaction_done.html", {"entry": entry})
    link = services.satisfaction_link_find(token=token)
    if link is None:
        return gone()
    return render(request, "opinionbook/satisfaction.html", {"entry": link.complaint, "form": form})
