"""The token endpoints: a username and password in, a named API token out; list and revoke your tokens."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core import tokens
from core.lockout import lock_state
from core.models import ApiToken


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Which client will use the token, e.g. “CI pipeline” (shown in your list of tokens).",
    )


class ObtainTokenView(APIView):
    """Exchange a username and password for a new API token (valid for API_TOKEN_MAX_AGE seconds).

    Each call issues another token; name it after the client that will use it, and revoke it when that client
    no longer needs it (DELETE /api/v1/auth/tokens/{id}/)."""

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
        _token, key = tokens.api_token_issue(user=user, name=data.validated_data.get("name", ""), actor=user)
        return Response({"token": key})


class ApiTokenSerializer(serializers.ModelSerializer):
    holder = serializers.CharField(source="user.get_username", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = (
            "id",
            "name",
            "prefix",
            "holder",
            "created_at",
            "expires_at",
            "last_used_at",
            "status",
            "revoked_at",
            "revoke_reason",
        )
        read_only_fields = fields

    def get_status(self, token) -> str:
        return tokens.token_status(token)


@extend_schema(tags=["auth"])
class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Your API tokens (platform admins: `?all=true` lists everyone's); DELETE revokes one."""

    serializer_class = ApiTokenSerializer
    permission_classes = (IsAuthenticated,)
    queryset = ApiToken.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        everyone = self.action == "destroy" or self.request.query_params.get("all") == "true"
        if everyone:
            return tokens.api_token_list(user=self.request.user)
        return tokens.api_token_list(user=self.request.user, holder=self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("all", bool, description="Platform admins: every user's tokens, not only yours.")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Revoke the token: it stops working at once. Its holder, or a platform admin."""
        tokens.api_token_revoke(token=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
