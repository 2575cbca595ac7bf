"""One shape for every refusal: `{"detail": "...", ...}`, in words a person understands."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message}
        if exc.details is not None:
            body["errors"] = exc.details
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    if isinstance(exc, OverflowError):
        # SQLite refuses integers beyond 64 bits (an id of 23 digits, say); that is bad input, not a crash.
        return Response({"detail": "A number in the request is too large."}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found, or you may not see it.")
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError) and "detail" not in response.data:
        # Field errors stay under their names; a sentence on top says what to fix.
        fields = ", ".join(str(k) for k in response.data) if isinstance(response.data, dict) else ""
        data = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": f"Invalid input: check {fields}." if fields else "Invalid input.", **data}
    return response
