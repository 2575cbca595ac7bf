"""Single sign-on pages: sign-in through the provider, re-authentication to sign, and the claims table."""

import logging
from urllib.parse import urlencode

import requests
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView
from mozilla_django_oidc.utils import generate_code_challenge
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from audit import services as audit
from core.exceptions import ApplicationError
from core.forms import refusal_on_form
from core.views import PermissionOr404Mixin
from identity import config, services, signing
from identity.backends import OIDCBackend, oidc_setting
from identity.forms import BreakGlassForm, ClaimMappingForm
from identity.models import BreakGlassAccount, ClaimMapping, Reauthentication

logger = logging.getLogger(__name__)
_PROVIDER_ERRORS = (SuspiciousOperation, requests.RequestException, KeyError, ValueError)


def _require_sso() -> None:
    if not config.sso_enabled():
        raise Http404("Single sign-on is not switched on.")


# --- Sign-in ------------------------------------------------------------------------------------------------


class SSOLoginView(OIDCAuthenticationRequestView):
    """Sends the person to the provider (authorization code flow, PKCE, state and nonce kept in the session)."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)

    OIDC_OP_AUTH_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: oidc_setting("OIDC_RP_CLIENT_ID"))

    def get(self, request):
        _require_sso()
        return super().get(request)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: a tampered, expired or foreign ID token, a wrong state or nonce signs nobody in."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        _require_sso()
        try:
            return super().get(request)
        except _PROVIDER_ERRORS as exc:
            logger.warning("single sign-on refused: %s", exc)
            audit.record(actor=None, action="auth.sso_refused", target_repr=config.provider_name(), reason=str(exc))
            self._reason = str(exc)
            return self.login_failure()

    def login_failure(self):
        reason = getattr(self, "_reason", "") or "the provider did not vouch for you, or your Lodestar account is off"
        messages.error(self.request, f"Sign-in through {config.provider_name()} failed: {reason}")
        return redirect("login")


# --- Re-authentication to sign ------------------------------------------------------------------------------


def start_reauthentication(request, *, kind: str, object_id: int, payload: dict, return_url: str):
    """Send the signer to the provider to sign in again (prompt=login, max_age=0) for this one decision."""
    reauth = services.reauthentication_start(
        user=request.user, action=signing.action_name(kind, object_id), payload=payload, return_url=return_url
    )
    params = {
        "response_type": "code",
        "client_id": oidc_setting("OIDC_RP_CLIENT_ID"),
        "redirect_uri": request.build_absolute_uri(reverse("identity:reauth_callback")),
        "scope": "openid",
        "state": reauth.state,
        "nonce": reauth.nonce,
        "prompt": "login",
        "max_age": "0",
        "code_challenge": generate_code_challenge(reauth.code_verifier, "S256"),
        "code_challenge_method": "S256",
    }
    return HttpResponseRedirect(f"{oidc_setting('OIDC_OP_AUTHORIZATION_ENDPOINT')}?{urlencode(params)}")


class ReauthCallbackView(LoginRequiredMixin, View):
    """The provider vouched (or not) for the signer: verify its ID token, then complete the signature once."""

    def get(self, request):
        _require_sso()
        state = request.GET.get("state", "")
        reauth = get_object_or_404(
            Reauthentication, user=request.user, state=state, status=Reauthentication.Status.STARTED
        )
        back = reauth.return_url if url_has_allowed_host_and_scheme(reauth.return_url, None) else reverse("home")
        try:
            claims = self._id_token_claims(request, reauth)
        except _PROVIDER_ERRORS as exc:
            services.reauthentication_refuse(user=request.user, state=state, reason=str(exc))
            messages.error(request, f"{config.provider_name()} did not confirm it is you ({exc}); nothing was signed.")
            return redirect(back)
        reauth, problem = services.reauthentication_verify(user=request.user, state=state, id_token_claims=claims)
        if problem:
            messages.error(request, problem)
            return redirect(back)
        complete, object_id = signing.completion_for(reauth.action)
        try:
            signed = complete(user=request.user, object_id=object_id, payload=reauth.payload, proof=reauth)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, signed.message)
        return redirect(back)

    def _id_token_claims(self, request, reauth) -> dict:
        if request.GET.get("error"):
            raise SuspiciousOperation(request.GET.get("error_description") or request.GET["error"])
        backend = OIDCBackend()
        token_info = backend.get_token(
            {
                "client_id": backend.OIDC_RP_CLIENT_ID,
                "client_secret": backend.OIDC_RP_CLIENT_SECRET,
                "grant_type": "authorization_code",
                "code": request.GET["code"],
                "redirect_uri": request.build_absolute_uri(reverse("identity:reauth_callback")),
                "code_verifier": reauth.code_verifier,
            }
        )
        return backend.verify_token(token_info.get("id_token"), nonce=reauth.nonce)


# --- The claims table and break-glass accounts ----------------------------------------------------------------


class ClaimMappingView(LoginRequiredMixin, PermissionOr404Mixin, TemplateView):
    """Which provider groups grant which role, business unit or sign-off function; who keeps a local password."""

    template_name = "identity/mappings.html"
    required_permission = "identity.view_claimmapping"

    def get_context_data(self, mapping_form=None, break_glass_form=None, **kwargs):
        return super().get_context_data(
            mappings=ClaimMapping.objects.select_related("role", "business_unit"),
            break_glass=BreakGlassAccount.objects.select_related("user", "flagged_by"),
            mapping_form=mapping_form or ClaimMappingForm(),
            break_glass_form=break_glass_form or BreakGlassForm(),
            may_change=self.request.user.has_perm("identity.change_claimmapping"),
            may_flag=self.request.user.is_superuser,
            sso_enabled=config.sso_enabled(),
            provider_name=config.provider_name(),
            local_login_for_everyone=config.local_login_for_everyone(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        step = request.POST.get("step")
        handler = {
            "create": self._create,
            "delete": self._delete,
            "flag": self._flag,
            "unflag": self._unflag,
        }.get(step)
        if handler is None:
            messages.error(request, "Unknown step.")
            return redirect("identity:mappings")
        return handler(request)

    def _form_step(self, request, form, context_key: str, action):
        """A form's step: `action(cleaned_data)` calls the service and returns what to tell; a refusal goes next to
        the field it names, and the page is drawn again with the form as entered."""
        if form.is_valid():
            try:
                message = action(form.cleaned_data)
            except ApplicationError as exc:
                refusal_on_form(form, exc)
            else:
                messages.success(request, message)
                return redirect("identity:mappings")
        return self.render_to_response(self.get_context_data(**{context_key: form}))

    def _button_step(self, request, action):
        try:
            messages.success(request, action())
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("identity:mappings")

    def _create(self, request):
        def create(data) -> str:
            role = data["role"]
            if data["grants"] == ClaimMapping.Grants.SIGN_OFF_FUNCTION:
                role = services.function_group(data["function"]) if data["function"] else None
            mapping = services.claim_mapping_create(
                actor=request.user,
                claim_value=data["claim_value"],
                grants=data["grants"],
                role=role,
                business_unit=data["business_unit"],
            )
            return f"“{mapping.claim_value}” now grants {mapping.target} at each sign-in."

        return self._form_step(request, ClaimMappingForm(request.POST), "mapping_form", create)

    def _delete(self, request):
        mapping = get_object_or_404(ClaimMapping, pk=request.POST.get("mapping"))

        def delete() -> str:
            services.claim_mapping_delete(actor=request.user, mapping=mapping)
            return f"“{mapping.claim_value}” no longer grants {mapping.target}."

        return self._button_step(request, delete)

    def _flag(self, request):
        def flag(data) -> str:
            user = get_user_model().objects.filter(username=data["username"]).first()
            if user is None:
                raise ApplicationError("username: no account has this username.")
            services.break_glass_flag(actor=request.user, user=user, reason=data["reason"])
            return f"{user.get_username()} keeps a local password when local sign-in is off."

        return self._form_step(request, BreakGlassForm(request.POST), "break_glass_form", flag)

    def _unflag(self, request):
        account = get_object_or_404(BreakGlassAccount, pk=request.POST.get("account"))

        def unflag() -> str:
            services.break_glass_unflag(actor=request.user, account=account)
            return f"{account.user.get_username()} is no longer a break-glass account."

        return self._button_step(request, unflag)
