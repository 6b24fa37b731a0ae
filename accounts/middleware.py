"""A signed-in person's own language, chosen on their profile, wins over the browser's.

Django's LocaleMiddleware (earlier in the chain) has already picked the language from the
language cookie or Accept-Language; this one runs after authentication and, when the person
chose a language, activates it instead. People who chose none keep the browser's.
"""

from django.db import DatabaseError
from django.utils import translation


class PersonLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        # ``user`` is lazy; without a session cookie it is anonymous without a query.
        try:
            signed_in = user is not None and user.is_authenticated
        except DatabaseError:
            # The database is unreachable: the view's own query fails the same way and
            # postiz.middleware answers 503 for it, in the browser's language.
            signed_in = False
        language = getattr(user, "language", "") if signed_in else ""
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
