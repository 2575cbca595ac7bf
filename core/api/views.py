"""The token endpoint: a username and password in, an API token out."""

from django.contrib.auth import authenticate
from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from audit import services as audit
from core.api.authentication import token_expired
from core.lockout import lock_state


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"}, trim_whitespace=False)


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (valid for API_TOKEN_MAX_AGE seconds)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (AnonRateThrottle,)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        operation_id="auth_token_create",
        tags=["auth"],
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        user = authenticate(request._request, username=username, password=data.validated_data["password"])
        if user is None:
            state = lock_state(username)
            if state.locked:
                raise exceptions.ValidationError(
                    {
                        "detail": f"This account is locked after repeated failed sign-ins. "
                        f"Try again in {state.minutes_left} minutes or ask a platform admin."
                    }
                )
            raise exceptions.ValidationError({"detail": "Wrong username or password."})
        with transaction.atomic():
            token, created = Token.objects.select_for_update().get_or_create(user=user)
            renewed = token_expired(token)
            if renewed:
                token.delete()
                token = Token.objects.create(user=user)
            # An API sign-in, like a page sign-in (auth.login), goes to the audit trail; the key never does.
            audit.record(actor=user, action="auth.token_issued", target=user, after={"new": created or renewed})
        return Response({"token": token.key})
