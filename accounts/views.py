from copy import copy

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

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
            messages.success(request, "Your profile is saved.")
            return redirect("profile")
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "mfa_enabled": is_mfa_enabled(request.user)},
    )
