"""API tokens and the calendar feed link: issued, checked, listed and revoked (issue 20, finding 4; T25).

A token works while all of these hold: it was not revoked, it is younger than API_TOKEN_MAX_AGE, its holder is
active, and the holder's password hash is the one it was issued under. The last check makes a password change
kill every token whatever the path (the user's own change, an admin's, `set_password` in any service, even a
raw UPDATE); the explicit revocations below (password change, deactivation, lockout, the holder, an admin) leave
a row that says when, by whom and why, and an audit event each.

Only a SHA-256 of each key is stored: keys are 256 random bits, so a fast hash is as good as a slow one, and a
copy of the database gives no working key. The calendar link, which its page shows every time, is instead
signed (SECRET_KEY) over the user, a stored nonce and the password fingerprint: rotating the nonce or changing
the password kills every link given out before.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import salted_hmac

from audit import services as audit
from core.exceptions import NotAllowed
from core.models import ApiToken, FeedKey

User = get_user_model()

MANAGE_PERMISSION = "core.manage_apitokens"
DEFAULT_NAME = "Unnamed client"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # "last used" is written at most once a minute per token
FEED_SALT = "lodestar.calendar-feed.v2"


class TokenRefused(Exception):
    """The key does not authenticate; the message says why and what to do."""


def credential_stamp(user) -> str:
    """A keyed fingerprint of the user's password hash: it changes whenever the password is set."""
    return salted_hmac("lodestar.credential-stamp", f"{user.pk}:{user.password}").hexdigest()[:32]


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_status(token: ApiToken, *, now=None) -> str:
    if token.revoked_at:
        return "revoked"
    if token.expires_at <= (now or timezone.now()):
        return "expired"
    if token.credential_stamp != credential_stamp(token.user):
        return "password changed"
    return "active"


# --- API tokens ------------------------------------------------------------------------------------


@transaction.atomic
def api_token_issue(*, user, name: str = "", actor=None) -> tuple[ApiToken, str]:
    """A new token for one client of `user`; returns the token and its key, which is never shown again."""
    name = (name or "").strip()[:100] or DEFAULT_NAME
    if not user.is_active:
        raise NotAllowed("This account is deactivated: it cannot hold API tokens.")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:8],
        key_hash=_key_hash(key),
        credential_stamp=credential_stamp(user),
        expires_at=timezone.now() + timedelta(seconds=settings.API_TOKEN_MAX_AGE),
    )
    # The key never reaches the trail; its first characters identify it.
    audit.record(
        actor=actor or user,
        action="auth.token_issued",
        target=token,
        target_repr=f"{user.get_username()}: {token}",
        after={"holder": user.get_username(), "name": name, "expires_at": token.expires_at.isoformat()},
    )
    return token, key


def api_token_authenticate(key: str) -> tuple[object, ApiToken]:
    """The holder and token for a key, or TokenRefused naming why."""
    ask = "Ask for a new one at /api/v1/auth/token/."
    token = ApiToken.objects.select_related("user").filter(key_hash=_key_hash(key)).first()
    if token is None:
        raise TokenRefused("Invalid token.")
    now = timezone.now()
    if token.revoked_at:
        raise TokenRefused(f"This token was revoked ({token.revoke_reason or 'by its holder'}). {ask}")
    if token.expires_at <= now:
        raise TokenRefused(f"Your token has expired. {ask}")
    if not token.user.is_active:
        raise TokenRefused("User inactive or deleted.")
    if token.credential_stamp != credential_stamp(token.user):
        raise TokenRefused(f"This token stopped working when the account's password changed. {ask}")
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


def api_token_list(*, user, holder=None):
    """The tokens `user` may manage: their own, or (token admins) everyone's or one holder's."""
    tokens = ApiToken.objects.select_related("user", "revoked_by")
    if holder is not None:
        tokens = tokens.filter(user=holder)
    if not user.has_perm(MANAGE_PERMISSION):
        tokens = tokens.filter(user=user)
    return tokens


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor, reason: str = "") -> ApiToken:
    """Revoke one token: its holder, or a token admin. Revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if actor is not None and actor.pk != token.user_id and not actor.has_perm(MANAGE_PERMISSION):
        raise NotAllowed("Only the token's holder or a platform admin may revoke it.")
    if token.revoked_at:
        return token
    by_holder = actor is not None and actor.pk == token.user_id
    reason = (reason or "").strip()[:200] or ("revoked by its holder" if by_holder else "revoked by a platform admin")
    return _revoke(token, actor=actor, reason=reason)


def _revoke(token: ApiToken, *, actor, reason: str) -> ApiToken:
    token.revoked_at = timezone.now()
    token.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    token.revoke_reason = reason
    token.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit.record(
        actor=actor,
        action="auth.token_revoked",
        target=token,
        target_repr=f"{token.user.get_username()}: {token}",
        before={"status": "active"},
        after={"status": "revoked"},
        reason=reason,
    )
    return token


@transaction.atomic
def revoke_tokens(user, reason: str, *, actor=None) -> int:
    """Revoke every live API token of `user` and rotate their calendar link (password change, deactivation,
    lockout, an admin's decision). Each revocation is audited; returns how many tokens were revoked.
    `actor` None means the person behind the current request, or the system."""
    live = list(
        ApiToken.objects.select_for_update()
        .select_related("user")
        .filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())
    )
    for token in live:
        _revoke(token, actor=actor, reason=reason)
    calendar_feed_rotate(user=user, actor=actor, reason=reason)
    return len(live)


# --- The calendar feed link ---------------------------------------------------------------------------


def calendar_feed_token(user) -> str:
    """The secret part of the user's calendar feed URL (stable until rotated or the password changes)."""
    nonce = FeedKey.objects.filter(user=user).values_list("nonce", flat=True).first() or ""
    return signing.dumps([user.pk, nonce, credential_stamp(user)], salt=FEED_SALT)


def calendar_feed_user(token: str):
    """The active user whose current feed link this is, or None."""
    try:
        pk, nonce, stamp = signing.loads(token, salt=FEED_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).select_related("feed_key").first()
    if user is None:
        return None
    current = user.feed_key.nonce if hasattr(user, "feed_key") else ""
    same_nonce = secrets.compare_digest(str(nonce), current)
    same_password = secrets.compare_digest(str(stamp), credential_stamp(user))
    return user if same_nonce and same_password else None


@transaction.atomic
def calendar_feed_rotate(*, user, actor=None, reason: str = "rotated on request") -> None:
    """A new feed link for `user`: every link given out before stops working."""
    FeedKey.objects.update_or_create(user=user, defaults={"nonce": secrets.token_hex(16)})
    audit.record(
        actor=actor, action="auth.calendar_feed_rotated", target=user, target_repr=user.get_username(), reason=reason
    )


# --- Any path that changes a password or deactivates an account -----------------------------------------
# Django's admin, its password views and `set_password` in any service all end in User.save(): watching the
# save is the one place that sees them all. The receivers decide nothing beyond "credentials changed".


@receiver(pre_save, sender=User, dispatch_uid="core.tokens.credentials_before")
def _credentials_before(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. the last_login stamp written at every sign-in
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    reasons = []
    if before["password"] != instance.password:
        reasons.append("password changed")
    if before["is_active"] and not instance.is_active:
        reasons.append("account deactivated")
    instance._lodestar_credentials_changed = "; ".join(reasons)


@receiver(post_save, sender=User, dispatch_uid="core.tokens.credentials_after")
def _credentials_after(sender, instance, created=False, raw=False, **kwargs):
    reason = instance.__dict__.pop("_lodestar_credentials_changed", "")
    if reason and not raw:
        revoke_tokens(instance, reason)
