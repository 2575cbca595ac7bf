"""Request plumbing: a request id for the audit trail and the logs, and the absolute session lifetime."""

import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login

from audit import context

SESSION_STARTED_KEY = "lodestar_session_started"
SESSION_WRITTEN_KEY = "lodestar_session_written"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        # Accept a caller's id only when it looks like one, so logs cannot be forged with arbitrary text.
        request.id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex
        token = context.set_current(context.RequestContext(request.id, request.META.get("REMOTE_ADDR"), request.user))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request.id
        return response


def stamp_new_session(session) -> None:
    """At sign-in (the session is written then anyway): when it started and when it was last written, so the
    first request after sign-in does not write it again."""
    now = time.time()
    session[SESSION_STARTED_KEY] = now
    session[SESSION_WRITTEN_KEY] = now


class AbsoluteSessionTimeoutMiddleware:
    """Ends a session a fixed time after sign-in, however active it was (Django only has an idle timeout), and
    slides the idle timeout with activity by writing the session again at most every SESSION_REFRESH_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            started = request.session.get(SESSION_STARTED_KEY)
            if started is None:
                request.session[SESSION_STARTED_KEY] = time.time()
            elif time.time() - started > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                messages.info(request, "Your session reached its maximum length. Please sign in again.")
                return redirect_to_login(request.get_full_path())
            now = time.time()
            if now - request.session.get(SESSION_WRITTEN_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                request.session[SESSION_WRITTEN_KEY] = now  # modified: saved with a new expiry
        return self.get_response(request)
