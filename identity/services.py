"""Single sign-on's decisions: the claims table, break-glass accounts, who a provider's identity is, what its
claims grant at each sign-in, and the one-time re-authentication proofs that sign. Each writes the audit trail."""

import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from core import accounts
from core.exceptions import ApplicationError, Conflict, NotAllowed, require_text
from core.roles import ROLE_BY_KEY, SIGN_OFF_FUNCTION_CODES
from identity import config
from identity.models import BreakGlassAccount, ClaimMapping, ExternalIdentity, Reauthentication
from notifications.services import notify
from portfolio.models import BusinessUnit
from portfolio.services import memberships_sync_from_provider

# --- The claims table -------------------------------------------------------------------------------------


def function_group(code: str) -> Group:
    """The role group that holds a sign-off function (core/roles.py: one `sign_off_<code>` role per function)."""
    if code not in SIGN_OFF_FUNCTION_CODES:
        raise ApplicationError(f"function: “{code}” is not a sign-off function.", details={"function": ["Unknown."]})
    return Group.objects.get(name=ROLE_BY_KEY[f"sign_off_{code}"].name)


def _require_mapping_admin(actor) -> None:
    if not (actor.is_active and actor.has_perm("identity.change_claimmapping")):
        raise NotAllowed("You may not change the single sign-on claims table.")


# Whoever manages a group at the provider decides who holds what it maps to: a role that manages accounts or this
# table would hand Lodestar's keys to them, so only a superuser maps one.
ACCOUNT_ADMIN_PERMISSIONS = frozenset(
    {"auth.add_user", "auth.change_user", "auth.change_group", "identity.change_claimmapping"}
)


def _refuse_account_admin_role(actor, role: Group) -> None:
    held = ACCOUNT_ADMIN_PERMISSIONS & set(accounts.group_permission_names(role))
    if held and not actor.is_superuser:
        raise NotAllowed(
            f"role: {role.name} manages accounts ({', '.join(sorted(held))}); only a superuser maps a provider group "
            "to it, since whoever manages that group at the provider would then manage Lodestar's accounts.",
            details={"role": ["Only a superuser maps this role."]},
        )


@transaction.atomic
def claim_mapping_create(
    *, actor, claim_value: str, grants: str, role: Group | None = None, business_unit: BusinessUnit | None = None
) -> ClaimMapping:
    """A claim value now grants a role, a sign-off function (both role groups) or a business unit at sign-in."""
    _require_mapping_admin(actor)
    value = require_text(claim_value, field="claim_value", hint="give the group exactly as the provider sends it")
    if grants == ClaimMapping.Grants.BUSINESS_UNIT:
        if business_unit is None:
            raise ApplicationError("business_unit: choose the business unit.", details={"business_unit": ["Required."]})
        role = None
    elif grants in (ClaimMapping.Grants.ROLE, ClaimMapping.Grants.SIGN_OFF_FUNCTION):
        if role is None:
            field = "role" if grants == ClaimMapping.Grants.ROLE else "function"
            raise ApplicationError(f"{field}: choose what the claim grants.", details={field: ["Required."]})
        _refuse_account_admin_role(actor, role)
        business_unit = None
    else:
        raise ApplicationError("grants: choose a role, a business unit or a sign-off function.")
    mapping = ClaimMapping(claim_value=value, grants=grants, role=role, business_unit=business_unit)
    try:
        with transaction.atomic():
            mapping.save()
    except IntegrityError:
        raise Conflict(
            f"claim_value: “{value}” already grants {mapping.target}.", details={"claim_value": ["Already mapped."]}
        ) from None
    audit.record(
        actor=actor,
        action="sso.mapping_created",
        target=mapping,
        after={"claim_value": value, "grants": grants, "target": str(mapping.target)},
    )
    return mapping


@transaction.atomic
def claim_mapping_delete(*, actor, mapping: ClaimMapping) -> None:
    """The claim value no longer grants it; people lose it at their next sign-in."""
    _require_mapping_admin(actor)
    audit.record(
        actor=actor,
        action="sso.mapping_deleted",
        target=mapping,
        before={"claim_value": mapping.claim_value, "grants": mapping.grants, "target": str(mapping.target)},
    )
    mapping.delete()


# --- Break-glass accounts ---------------------------------------------------------------------------------


def _require_superuser(actor) -> None:
    if not (actor.is_active and actor.is_superuser):
        raise NotAllowed("Only a superuser flags or unflags break-glass accounts.")


@transaction.atomic
def break_glass_flag(*, actor, user, reason: str) -> BreakGlassAccount:
    """This account keeps its local password when local sign-in is off (for when the provider is down)."""
    _require_superuser(actor)
    reason = require_text(reason, field="reason", hint="say why this account needs a way in without the provider")
    if not user.is_active:
        raise ApplicationError(f"username: {user.get_username()} is deactivated.", details={"username": ["Inactive."]})
    account, created = BreakGlassAccount.objects.get_or_create(
        user=user, defaults={"reason": reason, "flagged_by": actor}
    )
    if created:
        audit.record(actor=actor, action="sso.break_glass_flagged", target=user, after={"reason": reason})
    return account


@transaction.atomic
def break_glass_unflag(*, actor, account: BreakGlassAccount) -> None:
    _require_superuser(actor)
    audit.record(
        actor=actor, action="sso.break_glass_unflagged", target=account.user, before={"reason": account.reason}
    )
    account.delete()


def is_break_glass(user) -> bool:
    return BreakGlassAccount.objects.filter(user_id=user.pk).exists()


def local_password_allowed(user) -> bool:
    return config.local_login_for_everyone() or (user is not None and is_break_glass(user))


def break_glass_sign_in_recorded(*, user) -> None:
    """A break-glass account signed in with its password while local sign-in is off: audited, and every other
    admin who manages accounts is told, so a misuse is seen the same day."""
    audit.record(actor=user, action="auth.break_glass_sign_in", target=user)
    User = get_user_model()
    admins = [
        admin
        for admin in User.objects.filter(is_active=True).exclude(pk=user.pk)
        if admin.is_superuser or admin.has_perm("auth.change_user")
    ]
    notify(
        recipients=admins,
        subject=f"Break-glass sign-in by {user.get_username()}",
        body=(
            f"{user.get_username()} signed in with a local password while local sign-in is off for everyone else. "
            "Check that the identity provider is down or that this was expected."
        ),
        url="/accounts/sso/mappings/",
        category="security",
        about=None,  # names an account, not a governed record: every admin told may see it
    )


# --- Sign-in: who the provider's identity is, and what its claims grant ---------------------------------


def claim_values(claims: dict) -> list[str]:
    raw = claims.get(settings.LODESTAR_SSO_GROUPS_CLAIM) or []
    if isinstance(raw, str):
        raw = [raw]
    return sorted({str(value) for value in raw if isinstance(value, str | int)})


@transaction.atomic
def sso_sign_in(*, issuer: str, subject: str, claims: dict):
    """The Lodestar account of the provider's (issuer, subject): created on first sign-in (just in time), then
    given exactly what the claims table maps the claims to. The e-mail never links accounts: it can change hands."""
    if not issuer or not subject:
        raise NotAllowed("The provider's answer names no issuer or subject.")
    link = ExternalIdentity.objects.select_for_update().filter(issuer=issuer, subject=subject).first()
    if link is None:
        user = accounts.user_create_from_provider(
            username=_free_username(claims, subject),
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
            email=_email(claims),
            reason=f"first single sign-on through {issuer}",
        )
        link = ExternalIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        audit.record(actor=None, action="sso.account_linked", target=user, after={"issuer": issuer, "subject": subject})
    user = link.user
    if not user.is_active:
        return user
    values = claim_values(claims)
    granted = claims_apply(
        user=user, values=values, reason=f"claims of {issuer} at sign-in", granted_before=link.last_claims
    )
    link.last_sign_in_at = timezone.now()
    link.last_claims = {"values": values, **granted}
    link.save(update_fields=["last_sign_in_at", "last_claims"])
    return user


def _email(claims: dict) -> str:
    email = str(claims.get("email") or "")[:254]
    return email if "@" in email else ""


def _free_username(claims: dict, subject: str) -> str:
    """The provider's preferred username when nobody holds or held it, else the same with a number."""
    base = str(claims.get("preferred_username") or _email(claims).split("@")[0] or f"sso-{subject}")[:140]
    base = "".join(ch for ch in base if ch.isalnum() or ch in "@.+-_") or f"sso-{subject}"[:140]
    candidate, n = base, 1
    while accounts.username_was_used(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def claims_apply(*, user, values: list[str], reason: str, granted_before: dict) -> dict:
    """What the claims table maps `values` to, and only that, for what the table manages or granted at the last
    sign-in (so deleting a row takes its grant away too): groups and units an admin gave otherwise are left
    alone. Unmapped values grant nothing, whatever they are called. Returns what the claims grant now."""
    rows = list(ClaimMapping.objects.select_related("role", "business_unit"))
    wanted = [row for row in rows if row.claim_value in values]
    groups = {row.role for row in wanted if row.role_id}
    units = {row.business_unit for row in wanted if row.business_unit_id}
    accounts.user_groups_sync_from_provider(
        user=user,
        wanted=groups,
        managed={row.role for row in rows if row.role_id}
        | set(Group.objects.filter(pk__in=granted_before.get("groups", []))),
        reason=reason,
    )
    memberships_sync_from_provider(
        user=user,
        wanted=units,
        managed={row.business_unit for row in rows if row.business_unit_id}
        | set(BusinessUnit.objects.filter(pk__in=granted_before.get("units", []))),
        reason=reason,
    )
    return {"groups": sorted(group.pk for group in groups), "units": sorted(unit.pk for unit in units)}


def signs_with_provider(user) -> bool:
    """An account linked to the identity provider signs by re-authenticating there, never with a password."""
    return ExternalIdentity.objects.filter(user_id=user.pk).exists()


# --- Re-authentication to sign ----------------------------------------------------------------------------

CLOCK_SKEW = timedelta(seconds=5)


@transaction.atomic
def reauthentication_start(*, user, action: str, payload: dict, return_url: str) -> Reauthentication:
    """A signer asks to sign `action`: a single-use round trip to the provider, bound to them and to it."""
    if not signs_with_provider(user):
        raise NotAllowed("Your account signs with its password, not through the identity provider.")
    reauth = Reauthentication.objects.create(
        user=user,
        action=action,
        payload=payload,
        return_url=return_url,
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
    )
    audit.record(actor=user, action="sso.reauth_started", target=user, after={"for": action})
    return reauth


def _stale(reauth: Reauthentication) -> str:
    name = config.provider_name()
    return (
        f"Your sign-in at {name} was not fresh enough to sign (it must happen after you pressed Sign and within "
        f"{settings.LODESTAR_SSO_REAUTH_MAX_AGE // 60} minutes); nothing was signed. Press Sign again and enter your "
        f"password at {name} when asked."
    )


@transaction.atomic
def reauthentication_verify(*, user, state: str, id_token_claims: dict) -> tuple[Reauthentication, str]:
    """The provider answered: its ID token (signature, issuer, audience and expiry already checked) must carry this
    round trip's nonce, name this signer's identity and say they signed in after the round trip began. Returns the
    round trip and, when refused, why: the refusal is recorded and kept, not rolled back."""
    reauth = Reauthentication.objects.select_for_update().filter(user=user, state=state).first()
    if reauth is None or reauth.status != Reauthentication.Status.STARTED:
        raise NotAllowed("This re-authentication is unknown or was already answered; nothing was signed. Sign again.")
    problem = ""
    if id_token_claims.get("nonce") != reauth.nonce:
        problem = "The provider's answer does not belong to this signature (nonce); nothing was signed. Sign again."
    elif not ExternalIdentity.objects.filter(
        user=user, issuer=id_token_claims.get("iss"), subject=str(id_token_claims.get("sub"))
    ).exists():
        problem = "You re-authenticated at the provider as someone else; nothing was signed."
    else:
        auth_time = _auth_time(id_token_claims)
        if auth_time is None or auth_time < reauth.started_at - CLOCK_SKEW or _too_old(auth_time):
            problem = _stale(reauth)
        else:
            reauth.auth_time = auth_time
    reauth.status = Reauthentication.Status.FAILED if problem else Reauthentication.Status.VERIFIED
    reauth.verified_at = None if problem else timezone.now()
    reauth.save(update_fields=["status", "auth_time", "verified_at"])
    audit.record(
        actor=user,
        action="sso.reauth_refused" if problem else "sso.reauth_verified",
        target=user,
        reason=problem,
        after={"for": reauth.action},
    )
    return reauth, problem


@transaction.atomic
def reauthentication_refuse(*, user, state: str, reason: str) -> None:
    """The provider's answer could not be checked (an error, a tampered or foreign token): the round trip is spent
    and the refusal recorded."""
    reauth = Reauthentication.objects.select_for_update().filter(user=user, state=state).first()
    if reauth is None or reauth.status != Reauthentication.Status.STARTED:
        return
    reauth.status = Reauthentication.Status.FAILED
    reauth.save(update_fields=["status"])
    audit.record(
        actor=user, action="sso.reauth_refused", target=user, reason=reason[:500], after={"for": reauth.action}
    )


def _auth_time(claims: dict):
    value = claims.get("auth_time")
    if not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def _too_old(when) -> bool:
    return timezone.now() - when > timedelta(seconds=settings.LODESTAR_SSO_REAUTH_MAX_AGE)


@transaction.atomic
def reauthentication_use(*, user, proof: Reauthentication | None, action: str) -> None:
    """The service-level rule for a signature by an account of the provider: a verified, fresh, unused
    re-authentication of this signer for this very action. Using it spends it."""
    name = config.provider_name()
    if proof is None:
        raise NotAllowed(
            f"password: you sign in through {name}, so you sign by re-authenticating there, not with a password. "
            "Use the Sign button on the page.",
            details={"password": ["Re-authenticate at the provider instead."]},
        )
    stored = Reauthentication.objects.select_for_update().filter(pk=proof.pk).first()
    if stored is None or stored.user_id != user.pk or stored.action != action:
        raise NotAllowed("This re-authentication was for another signer or another decision; nothing was signed.")
    if stored.status == Reauthentication.Status.USED:
        raise NotAllowed(
            f"This re-authentication was already used to sign once; sign again and re-authenticate at {name}."
        )
    if stored.status != Reauthentication.Status.VERIFIED or stored.auth_time is None or _too_old(stored.auth_time):
        raise NotAllowed(_stale(stored))
    stored.status = Reauthentication.Status.USED
    stored.used_at = timezone.now()
    stored.save(update_fields=["status", "used_at"])
    proof.status, proof.used_at = stored.status, stored.used_at
