"""Shared pieces of the Hypothesis robustness tests: hostile text, the settings that keep them
fast and repeatable, and the two outcomes they accept (a clear refusal, or escaped output)."""

import re

from django.core.exceptions import ValidationError
from django.utils.html import escape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SCRIPT = "<script>alert(1)</script>"
NASTY = [
    "'; DROP TABLE complaints_complaint; --",
    '" OR 1=1 --',
    SCRIPT,
    "<img src=x onerror=alert(1)>",
    "{{ request }}{% debug %}",
    "%(ref)s %s {0}",
    "\u202e\u200f\u200b",  # right-to-left override, RTL mark, zero-width space
    "مرحبا עברית",
    "😀🏦👨‍👩‍👧",
    "e\u0301\u0338\u20dd",  # combining accent, overlay and enclosing circle
    "\x00",
    "\x07\x1b[31m\x7f",
    "\r\n\t",
    "柜员态度冷淡" * 30,
]
nasty_text = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(NASTY)), max_size=6).map(
    "".join
)
# Always tried, whatever Hypothesis draws: NUL, markup, SQL, and text longer than any field.
ALWAYS = ["a\x00b", f"{SCRIPT}'; DROP TABLE--", "长" * 2500]

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_refused_clearly(errors):
    """A refusal (form errors or a service's ValidationError) says something in words."""
    if isinstance(errors, ValidationError):
        errors = errors.message_dict if hasattr(errors, "error_dict") else {None: errors.messages}
    assert errors
    assert all(str(message).strip() for messages in errors.values() for message in messages)


def assert_escaped(page: str, *values: str):
    """Each value is on the page escaped, line by line (notes are shown with line breaks), and
    never as raw markup."""
    assert SCRIPT not in page
    for value in values:
        for line in re.split(r"\r\n|\r|\n", value):
            assert escape(line) in page
        if "<" in value:
            assert value not in page
