"""Django's database sessions, read in one plain statement.

Every signed-in request reads its session before anything else; the ORM spends most of that read building the
query, so the same lookup (the key, not yet expired) is written out once. Writes stay Django's."""

from functools import cache

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

from core.db import hot_cursor


class SessionStore(db.SessionStore):
    def load(self):
        with hot_cursor() as cursor:
            now = connection.ops.adapt_datetimefield_value(timezone.now())  # as the backend stores it
            cursor.execute(_session_sql(), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's: a missing or expired session starts a new one
            return {}
        return self.decode(row[0])


@cache
def _session_sql() -> str:
    table = connection.ops.quote_name(SessionStore.get_model_class()._meta.db_table)
    return f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s"
