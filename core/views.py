from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View
from django.views.decorators.http import require_GET

from core import accounts, tokens
from core.exceptions import ApplicationError
from core.forms import ApiTokenForm
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
    """After signing in with a password someone else set, the holder is sent to set their own first. With single
    sign-on on, the page offers the provider first."""

    def get_context_data(self, **kwargs):
        provider = settings.LODESTAR_SSO_PROVIDER_NAME if settings.OIDC_RP_CLIENT_ID else ""
        return super().get_context_data(sso_provider=provider, **kwargs)

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


class PermissionOr404Mixin:
    """Pages behind a permission: to users without it they do not exist (404), as for records they may not see."""

    required_permission = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(self.required_permission):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


# --- API tokens -------------------------------------------------------------------------------------


class ApiTokenListView(LoginRequiredMixin, View):
    """Your API tokens: create one per client (its key is shown once), see when each was last used, revoke."""

    template_name = "core/api_tokens.html"

    def get(self, request):
        return self._render(request, ApiTokenForm())

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        try:
            token, key = tokens.api_token_issue(user=request.user, name=form.cleaned_data["name"], actor=request.user)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            return self._render(request, form, status=400)
        # Rendered, not redirected: the key lives only in this answer, never in a URL or the session.
        return self._render(request, ApiTokenForm(), new_token=token, new_key=key)

    def _render(self, request, form, status=200, **extra):
        mine = tokens.api_token_list(user=request.user, holder=request.user)
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "rows": [(t, tokens.token_status(t)) for t in mine],
                "can_manage": request.user.has_perm(tokens.MANAGE_PERMISSION),
                **extra,
            },
            status=status,
        )


class ApiTokenAdminView(LoginRequiredMixin, View):
    """Every user's live API tokens, for platform admins (core.manage_apitokens); others: 404."""

    def get(self, request):
        if not request.user.has_perm(tokens.MANAGE_PERMISSION):
            raise Http404
        live = (
            tokens.api_token_list(user=request.user)
            .filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("user__username", "-created_at")
        )
        rows = [(t, tokens.token_status(t)) for t in live]
        return render(request, "core/api_tokens_admin.html", {"rows": rows})


class ApiTokenRevokeView(LoginRequiredMixin, View):
    """Revoke a token: its holder, or a platform admin."""

    def post(self, request, pk):
        token = get_object_or_404(tokens.api_token_list(user=request.user), pk=pk)
        try:
            tokens.api_token_revoke(token=token, actor=request.user, reason=request.POST.get("reason", ""))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"The token “{token.name}” was revoked: it no longer works.")
        return redirect("api_tokens_admin" if request.POST.get("next") == "admin" else "api_tokens")
