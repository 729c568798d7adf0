from django import template
from django.utils import timezone
from django.utils.formats import date_format, time_format

register = template.Library()


@register.filter
def clock_on(moment, day):
    """A time of the checklist of `day`: the clock alone on that day, with its date when it
    falls on another (the closing checks of an outlet that closes near midnight are due after
    it: "by 00:30" alone reads as that morning)."""
    local = timezone.localtime(moment)
    clock = time_format(local, "H:i")
    if local.date() == day:
        return clock
    return f"{date_format(local, 'MONTH_DAY_FORMAT')} {clock}"
