from copy import copy

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm
from accounts.services import user_update_profile


@login_required
def profile(request):
    """The signed-in person's own name, time zone and email preferences."""
    # The form works on a copy: a refused submission must not change the user that the
    # rest of the page (the top bar) shows.
    form = ProfileForm(request.POST or None, instance=copy(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(user=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The page after saving is already in the chosen language, and so are the
            # pages after signing out (the language cookie, as set_language does).
            language = request.user.language
            if language:
                translation.activate(language)
            messages.success(request, _("Your profile is saved."))
            response = redirect("profile")
            if language:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                )
            return response
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "mfa_enabled": is_mfa_enabled(request.user)},
    )
