from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core.lockout import lock_state


class LoginForm(AuthenticationForm):
    """Says plainly when the account is locked, instead of the generic wrong-password message."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            state = lock_state(self.cleaned_data.get("username") or "")
            if state.locked:
                raise forms.ValidationError(
                    f"This account is locked after repeated failed sign-ins. Try again in {state.minutes_left} "
                    "minutes, or ask a platform admin to unlock it.",
                    code="locked",
                ) from None
            raise


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Client name",
        max_length=100,
        help_text="Which program will use this token, e.g. “CI pipeline” or “Notebook on my laptop”.",
    )
