"""A member of staff's own account: password, two-factor authentication, signing out everywhere;
forgotten passwords; and, for practice managers, whether the practice requires two-factor.

Password change and reset are Django's own views (PasswordChangeView, PasswordResetView and the
rest) with NHS.UK pages. A changed or reset password ends every other session (Django's session
check follows the password); a reset also lifts a sign-in lock-out on the account.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from . import account_actions, two_factor
from .ratelimits import limited
from .rules import Capability, can
from .views import NEW_CODES_KEY


def _manages_practice(request) -> bool:
    return request.practice is not None and can(request.roles, Capability.MANAGE_PRACTICE)


@login_required
def account(request):
    user = request.user
    return render(request, "core/account.jinja", {
        "two_factor_on": two_factor.is_on(user), "codes_left": two_factor.backup_codes_left(user),
        "required_by": two_factor.requiring_practices(user),
        "manages_practice": _manages_practice(request), "idle_minutes": settings.TANDEM_IDLE_MINUTES,
    })


@login_required
def two_factor_set_up(request):
    user = request.user
    error = ""
    if request.method == "POST":
        try:
            codes = account_actions.confirm_app(user=user, typed=request.POST.get("code", ""))
        except account_actions.TwoFactorError as exc:
            error = str(exc)
        else:
            request.session[NEW_CODES_KEY] = {"codes": codes, "next": reverse("core:account")}
            return redirect("core:backup_codes")
    device = account_actions.start_app_set_up(user=user)
    return render(request, "core/two_factor_set_up.jinja", {
        "device": device, "qr": two_factor.qr_svg(device), "secret": two_factor.secret_words(device),
        "required_by": [], "action": reverse("core:two_factor_set_up"), "signed_in": True,
        "error": error, "form_errors": [error] if error else []}, status=400 if error else 200)


@login_required
@require_POST
def new_backup_codes(request):
    try:
        codes = account_actions.new_backup_codes(user=request.user)
    except account_actions.TwoFactorError as exc:
        messages.error(request, str(exc))
        return redirect("core:account")
    request.session[NEW_CODES_KEY] = {"codes": codes, "next": reverse("core:account")}
    return redirect("core:backup_codes")


@login_required
@require_POST
def two_factor_off(request):
    try:
        account_actions.turn_off(user=request.user)
    except account_actions.TwoFactorError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Two-factor authentication is turned off. You sign in with your password only.")
    return redirect("core:account")


@login_required
@require_POST
def sign_out_everywhere(request):
    account_actions.end_all_sessions(user=request.user)
    auth_logout(request)
    return redirect(reverse("core:signed_out") + "?reason=everywhere")


@login_required
@require_POST
def practice_security(request):
    if not _manages_practice(request):
        return render(request, "core/error.jinja", {
            "title": "You cannot do this", "status": 403,
            "paragraphs": ["Only the practice manager can change the practice's sign-in rules."]}, status=403)
    required = request.POST.get("require_two_factor") == "yes"
    account_actions.set_two_factor_requirement(practice=request.practice, required=required, by=request.user)
    messages.success(request, f"Staff at {request.practice.name} must now use two-factor authentication. "
                               "Anyone without it sets it up the next time they sign in." if required else
                     f"Two-factor authentication is now optional at {request.practice.name}.")
    return redirect("core:account")


def _staff_limited(view):
    return limited(view, group="staff")


class NHSFormPage:
    """Django's password views with what the NHS.UK pages need: every error with a link to its field
    (the error summary), and 400 when the form has errors."""

    first_field = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        error_list = []
        if form is not None and form.is_bound:
            for name, errors in form.errors.items():
                href = f"#id_{name if name != '__all__' else self.first_field}"
                error_list += [{"text": str(error), "href": href} for error in errors]
        context.update(error_list=error_list, form_errors=[e["text"] for e in error_list])
        return context

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordChange(NHSFormPage, auth_views.PasswordChangeView):
    first_field = "old_password"
    template_name = "core/password_change.jinja"
    success_url = reverse_lazy("core:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password has been changed. You have been signed out on every "
                                       "other device.")
        return response


@method_decorator(_staff_limited, name="dispatch")
class PasswordReset(NHSFormPage, auth_views.PasswordResetView):
    """Always says the same thing, whether or not the address belongs to an account."""

    first_field = "email"
    template_name = "core/password_reset.jinja"
    email_template_name = "core/email/password_reset.txt"
    subject_template_name = "core/email/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")

    def get_extra_email_context(self):
        return {"public_url": settings.TANDEM_PUBLIC_URL.rstrip("/") if settings.TANDEM_PUBLIC_URL else
                f"{self.request.scheme}://{self.request.get_host()}"}

    def form_valid(self, form):
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


@method_decorator(_staff_limited, name="dispatch")
class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "core/password_reset_done.jinja"


@method_decorator(_staff_limited, name="dispatch")
class PasswordResetConfirm(NHSFormPage, auth_views.PasswordResetConfirmView):
    first_field = "new_password1"
    template_name = "core/password_reset_confirm.jinja"
    success_url = reverse_lazy("core:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        AxesProxyHandler.reset_attempts(username=form.user.get_username())
        return response


@method_decorator(_staff_limited, name="dispatch")
class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "core/password_reset_complete.jinja"
