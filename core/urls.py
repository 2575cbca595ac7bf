from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from core import views
from core.forms import LoginForm

urlpatterns = [
    path(
        "login/",
        views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        views.PasswordChangeView.as_view(success_url=reverse_lazy("home")),
        name="password_change",
    ),
    path("tokens/", views.ApiTokenListView.as_view(), name="api_tokens"),
    path("tokens/all/", views.ApiTokenAdminView.as_view(), name="api_tokens_admin"),
    path("tokens/<int:pk>/revoke/", views.ApiTokenRevokeView.as_view(), name="api_token_revoke"),
]
