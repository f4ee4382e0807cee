"""A length of time as people say it, for calls and backups alike."""

from django.utils.translation import gettext as _


def duration_text(seconds: float | None) -> str:
    """ "45 s", "3 min 12 s", "1 h 5 min"; "0 s" for none (a call that was not answered)."""
    seconds = max(0, round(seconds or 0))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min %(seconds)d s") % {"minutes": minutes, "seconds": seconds}
    return _("%(seconds)d s") % {"seconds": seconds}
