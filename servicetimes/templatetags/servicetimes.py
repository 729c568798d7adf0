from django import template

register = template.Library()


@register.filter
def clock(seconds):
    """Seconds as minutes:seconds ("4:05"); a dash when there is nothing to show."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


@register.filter
def share(value):
    return "—" if value is None else f"{value * 100:.1f}%"
