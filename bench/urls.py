"""The application's URLs plus two bench endpoints that measure this machine, not Lodestar: `/bench/constant/`, a
bare DRF endpoint returning a constant (the ceiling of requests per second), and `/bench/signed-in/`, a constant
page behind the login (the floor of every signed-in page: the session and the user are read, nothing else). Only
bench.settings uses this URL conf; production has no such endpoints."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as application


class ConstantView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def get(self, request):
        return Response({"ok": True})


@login_required
def signed_in_constant(request):
    return HttpResponse("<!doctype html><title>ok</title><p>ok</p>")


urlpatterns = [
    path("bench/constant/", ConstantView.as_view(), name="bench-constant"),
    path("bench/signed-in/", signed_in_constant, name="bench-signed-in"),
    *application,
]
