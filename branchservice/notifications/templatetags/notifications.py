from django import template

from ..selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notification_bell(context):
    user = context["request"].user
    return {"unread": unread_count(user), "user": user}
