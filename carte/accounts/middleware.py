"""Each employee sees Carte in their own language and time zone."""

import zoneinfo

from django.utils import timezone, translation


def employee_preferences(get_response):
    def middleware(request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
            if user.time_zone:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        try:
            return get_response(request)
        finally:
            timezone.deactivate()

    return middleware
