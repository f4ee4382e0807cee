"""Each employee sees Carte in their own language and time zone."""

import zoneinfo

from django.utils import timezone, translation


def use_preferences_of(user, request) -> None:
    """Speak the employee's language and show times in their zone for the rest of this request."""
    if user.language:
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
    if user.time_zone:
        timezone.activate(zoneinfo.ZoneInfo(user.time_zone))


def employee_preferences(get_response):
    """For session logins; API token calls are identified later, by carte.accounts.auth."""

    def middleware(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            use_preferences_of(user, request)
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

    return middleware
