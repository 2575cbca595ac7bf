from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from audit import services as audit
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
    """Django ends the user's other sessions on a password change; we also record it."""

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=self.request.user, action="auth.password_changed", target=self.request.user)
        messages.success(self.request, "Your password was changed. Your other sessions were signed out.")
        return response
