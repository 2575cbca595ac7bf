from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from core import accounts
from core.navigation import landings_for


@login_required
def home(request):
    """Send each user to the dashboard of their main role."""
    landings = landings_for(request.user)
    if landings:
        return redirect(landings[0].url_name)
    return render(request, "core/no_role.html")


@require_GET
def health(request):
    """Liveness and database reachability, for load balancers and docker compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class PasswordChangeView(auth_views.PasswordChangeView):
    """The holder sets their own password (through the audited service); Django ends their other sessions."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(password_set_by=accounts.password_set_by(self.request.user), **kwargs)

    def form_valid(self, form):
        accounts.password_change(actor=self.request.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, "Your password was changed. Your other sessions were signed out.")
        return redirect(self.get_success_url())


class LoginView(auth_views.LoginView):
    """After signing in with a password someone else set, the holder is sent to set their own first."""

    def form_valid(self, form):
        response = super().form_valid(form)
        setter = accounts.password_set_by(self.request.user)
        if setter is not None:
            messages.warning(
                self.request,
                f"Your password was set by {setter}. Set your own now: until you do, Lodestar refuses your signatures.",
            )
            return redirect("password_change")
        return response
