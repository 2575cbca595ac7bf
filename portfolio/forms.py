from django import forms

from portfolio.models import BusinessUnit, UseCase


class UseCaseForm(forms.ModelForm):
    """Intake of a use case. Validation only; the service decides and saves."""

    class Meta:
        model = UseCase
        fields = ["title", "business_unit", "problem_statement", "estimated_value", "estimated_cost", "confidential"]
        widgets = {"problem_statement": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the units the user may propose in; the service checks again.
        from core.permissions import manages_everything

        units = BusinessUnit.objects.filter(is_active=True)
        if not (user.is_superuser or manages_everything(user)):
            units = units.filter(memberships__user=user)
        self.fields["business_unit"].queryset = units
        self.fields["business_unit"].empty_label = "Choose a business unit"
