from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm

from core.lockout import lock_state

_LOGIN_REFUSAL = "lodestar_login_refusal"


def explain_login_refusal(request, message: str) -> None:
    """An authentication backend that refuses a sign-in for a reason the person can act on (not a wrong password)
    leaves its words here for the sign-in form."""
    if request is not None:
        setattr(request, _LOGIN_REFUSAL, message)


class MoneyFieldsMixin:
    """Money fields name their currency in their label (issue 19): `money_fields` in the portfolio's currency
    (settings.CURRENCY), `usd_fields` in USD, the currency costs are synced in."""

    money_fields: tuple[str, ...] = ()
    usd_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for names, code in ((self.money_fields, settings.CURRENCY), (self.usd_fields, "USD")):
            for name in names:
                field = self.fields[name]
                label = field.label or name.replace("_", " ").capitalize()
                field.label = f"{label} ({code})"
                field.widget.attrs.setdefault("inputmode", "decimal")


class LoginForm(AuthenticationForm):
    """Says plainly when the account is locked, or why a backend refused it, instead of the generic
    wrong-password message."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            refusal = getattr(self.request, _LOGIN_REFUSAL, "")
            if refusal:
                raise forms.ValidationError(refusal, code="refused") from None
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


def refusal_on_form(form, exc) -> None:
    """A service's refusal (ApplicationError) next to the field(s) it names, its `details` keys or a
    "field: " prefix of its message, else above the form. Pages and the API share the service's words."""
    details = exc.details if isinstance(exc.details, dict) else {}
    fields = [key for key in details if key in form.fields]
    prefix, named, rest = exc.message.partition(": ")
    if not fields and named and prefix in form.fields:
        fields = [prefix]
    if not fields:
        form.add_error(None, exc.message)
        return
    text = rest if named and prefix in fields else exc.message
    for field in fields:
        form.add_error(field, text)
