from django.urls import path

from identity import views

app_name = "identity"

# Mounted at /accounts/sso/: login/, callback/ and reauth/callback/ are the addresses registered with the provider.
urlpatterns = [
    path("mappings/", views.ClaimMappingView.as_view(), name="mappings"),
    path("login/", views.SSOLoginView.as_view(), name="sso_login"),
    path("callback/", views.SSOCallbackView.as_view(), name="sso_callback"),
    path("reauth/callback/", views.ReauthCallbackView.as_view(), name="reauth_callback"),
]
