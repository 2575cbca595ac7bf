"""A short-lived cache for the dashboards' expensive panels.

Every service that changes state appends to the audit trail, so the head of the chain is a version
number of the whole database: a key that includes it is invalidated by any change, from any process,
with no signal to wire. The timeout bounds what the trail does not see (metric points of a sync)."""

import hashlib

from django.conf import settings
from django.core.cache import cache

from audit.selectors import audit_head
from core.permissions import sees_everything


def scope_key(user) -> str:
    """Users who see everything share entries; anyone else's figures depend on their own grants."""
    return "all" if sees_everything(user) else f"user-{user.pk}"


class PanelCache:
    """The panels of one request: same user, same filters, same state of the database."""

    def __init__(self, *, user, page: str, query: str):
        digest = hashlib.sha256(query.encode()).hexdigest()[:16]
        self.prefix = f"dashboards:{page}:{scope_key(user)}:{digest}:{audit_head()}"

    def get(self, name: str, compute):
        key = f"{self.prefix}:{name}"
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, settings.DASHBOARD_CACHE_SECONDS)
        return value
