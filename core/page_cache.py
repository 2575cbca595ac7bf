"""Whole pages kept for their reader for a short while, keyed on the state of the database.

The dashboards' panel cache rests on the same fact: every service that changes state appends to the audit
trail in the change's own transaction, and the chain is appended one event at a time, so the head of the
chain names the state of governed data a reader can see. A page rendered at head N stays right until the
head moves, from any process, with no invalidation to wire.

The key holds everything else a page depends on: the reader's session and CSRF cookie (the page carries
their token), their unread count (marking read is not audited), the full path and the htmx headers. A page
is rendered afresh when flash messages wait for the reader, and only a plain 200 is kept. The timeout
(PAGE_CACHE_SECONDS, 0 switches the cache off) bounds what the trail does not see: metric points stored by a
sync and time passing ("due in 3 days"). Access is checked before the cache is read: the mixin sits under
the view's login and permission mixins.

Pages are kept in each process's memory (the `pages` cache, bounded by PAGE_CACHE_ENTRIES), not in the shared
Redis: a key names everything its page depends on, so a page is right in whichever process keeps it, and
fetching 20 to 70 kB from Redis on every hit took a third of the throughput the cache brings. A kept page is
also kept gzip-compressed, for the browsers that accept it (all of them).
"""

import hashlib
import re
from functools import cache

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

from audit.models import AuditEvent
from core.db import hot_cursor
from notifications.models import Notification

MESSAGES_SESSION_KEY = "_messages"  # django.contrib.messages' session storage
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
MIN_COMPRESSED_LENGTH = 1024


def _state_of(user) -> tuple[int, int]:
    """(audit head, the reader's unread count) in one plain statement: what the page depends on in the database.
    It runs on every hit, where the ORM's two queries cost five times as much."""
    with hot_cursor() as cursor:
        cursor.execute(_state_sql(), [user.pk])
        head, unread = cursor.fetchone()
    return head or 0, unread


@cache
def _state_sql() -> str:
    events, notifications = (connection.ops.quote_name(m._meta.db_table) for m in (AuditEvent, Notification))
    return (
        f"SELECT (SELECT seq FROM {events} ORDER BY seq DESC LIMIT 1), "
        f"(SELECT count(*) FROM {notifications} WHERE recipient_id = %s AND read_at IS NULL)"
    )


def _page_key(request) -> str | None:
    """The key of this request's page, or None when it must be rendered afresh."""
    csrf = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    session = request.session.session_key
    if not (csrf and session) or request.COOKIES.get("messages") or MESSAGES_SESSION_KEY in request.session:
        return None
    htmx = sorted((name, value) for name, value in request.headers.items() if name.lower().startswith("hx-"))
    parts = [session, csrf, request.get_full_path(), repr(htmx), *_state_of(request.user)]
    return "page:" + hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


class CachedPageMixin:
    """For read-only pages that are asked for again and again (the inventory, the dashboards). Put it after the
    login and permission mixins: they run first, on every request."""

    def dispatch(self, request, *args, **kwargs):
        key = _page_key(request) if request.method == "GET" and settings.PAGE_CACHE_SECONDS else None
        if key is not None and (kept := caches["pages"].get(key)) is not None:
            return _served(request, *kept)
        response = super().dispatch(request, *args, **kwargs)
        if key is None or response.status_code != 200 or response.streaming or response.cookies:
            return response
        if hasattr(response, "render"):
            response.render()
        kept = (response.content, _compressed(response.content), dict(response.items()))
        caches["pages"].set(key, kept, settings.PAGE_CACHE_SECONDS)
        return _served(request, *kept)


def _compressed(content: bytes) -> bytes | None:
    """Compressed once, when the page is kept, and served as often as it is asked for: a dashboard's 70 kB become
    about 10. Random bytes in the gzip header, as Django's GZipMiddleware adds, keep the length from being a
    BREACH oracle; the CSRF token in the page is masked at each rendering anyway."""
    if len(content) < MIN_COMPRESSED_LENGTH:
        return None
    compressed = compress_string(content, max_random_bytes=100)
    return compressed if len(compressed) < len(content) else None


def _served(request, content: bytes, compressed: bytes | None, headers: dict) -> HttpResponse:
    if compressed is not None and ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(compressed, headers={**headers, "Content-Encoding": "gzip"})
    else:
        response = HttpResponse(content, headers=headers)
    patch_vary_headers(response, ("Accept-Encoding",))
    return response
