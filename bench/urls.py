"""The application's URLs plus `/bench/constant/`, a bare DRF endpoint returning a constant: the ceiling of
requests per second on this machine. Only bench.settings uses this URL conf; production has no such endpoint."""

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


urlpatterns = [path("bench/constant/", ConstantView.as_view(), name="bench-constant"), *application]
