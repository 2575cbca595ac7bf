"""Every refused access decision leaves a trace (AC-19): a 403 answer, from the API or a page, is recorded as an
`access.denied` event with who, what and why, under the request's id. A 404 for a record the caller may not see
is deliberately indistinguishable from an unknown id, so it is not recorded as a denial."""

import json

from audit import services

DENIED = 403
REASON_LIMIT = 300


def _reason(response) -> str:
    """The refusal's own words where the answer is JSON (`detail`), else the status."""
    if "json" in response.get("Content-Type", "") and not getattr(response, "streaming", False):
        try:
            detail = json.loads(response.content or b"{}").get("detail", "")
        except (ValueError, AttributeError):
            detail = ""
        if detail:
            return str(detail)[:REASON_LIMIT]
    return "Forbidden"


class DeniedAccessAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == DENIED:
            # After the view: DRF has put its token-authenticated user on the request by now.
            user = getattr(request, "user", None)
            services.record(
                actor=user,
                action="access.denied",
                reason=_reason(response),
                after={
                    "method": request.method,
                    "path": request.path[:500],
                    "signed_in": bool(getattr(user, "is_authenticated", False)),
                },
            )
        return response
