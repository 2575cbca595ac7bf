from django import forms
from django.contrib.auth.models import Group

from core.roles import ROLE_BY_KEY, SIGN_OFF_FUNCTION_CODES
from identity.models import ClaimMapping
from portfolio.models import BusinessUnit

_FUNCTION_GROUPS = {ROLE_BY_KEY[f"sign_off_{code}"].name for code in SIGN_OFF_FUNCTION_CODES}


class ClaimMappingForm(forms.Form):
    claim_value = forms.CharField(
        label="Claim value",
        max_length=200,
        help_text="The group exactly as the identity provider sends it in the groups claim, e.g. “ai-review-board”.",
    )
    grants = forms.ChoiceField(
        label="Grants", choices=ClaimMapping.Grants.choices, help_text="What people with this claim value receive."
    )
    role = forms.ModelChoiceField(
        label="Role",
        queryset=Group.objects.exclude(name__in=_FUNCTION_GROUPS).order_by("name"),
        required=False,
        help_text="When it grants a role.",
    )
    function = forms.ChoiceField(
        label="Sign-off function",
        choices=[("", "---------"), *((code, code.capitalize()) for code in SIGN_OFF_FUNCTION_CODES)],
        required=False,
        help_text="When it grants a sign-off function.",
    )
    business_unit = forms.ModelChoiceField(
        label="Business unit",
        queryset=BusinessUnit.objects.order_by("name"),
        required=False,
        help_text="When it grants membership of a business unit.",
    )


class BreakGlassForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150, help_text="The local account to keep a password.")
    reason = forms.CharField(
        label="Reason", max_length=200, help_text="Why it needs a way in when the identity provider is down."
    )
