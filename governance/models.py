"""Governance reference data. Sign-off functions are held through their permissions."""

from django.db import models

SIGN_OFF_FUNCTIONS = [
    ("validation", "Validation", "Independent model validation: method, data, performance, limits."),
    ("risk", "Risk", "Model risk management: materiality, tier, residual risk."),
    ("compliance", "Compliance", "Regulatory obligations, EU AI Act conformity, internal policy."),
    ("legal", "Legal", "Contracts, liability, intellectual property, data protection law."),
    ("security", "Security", "Threat model, access, supply chain, adversarial robustness."),
    ("ethics", "Ethics", "Fairness, transparency and impact on the people affected."),
    ("business", "Business", "The accountable business owner accepts the model for its use."),
]


class SignOffFunction(models.Model):
    """A function that signs off model versions (validation, risk, …); held via `governance.sign_<code>`."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "sign-off function"
        default_permissions = ("view",)
        permissions = [(f"sign_{code}", f"Can sign off as {name}") for code, name, _ in SIGN_OFF_FUNCTIONS]

    def __str__(self) -> str:
        return self.name

    @property
    def permission(self) -> str:
        return f"governance.sign_{self.code}"
