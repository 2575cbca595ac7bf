"""Every sourcing write: permission checked, validated, saved and audited in one transaction."""

from sourcing.services.evaluations import (
    evaluation_create,
    evaluation_decide,
    evaluation_update,
    standard_approve,
    standard_retire,
    standard_update,
    trial_close,
    trial_start,
)
from sourcing.services.vendors import (
    vendor_create,
    vendor_model_link,
    vendor_update,
)

__all__ = [
    "evaluation_create",
    "evaluation_decide",
    "evaluation_update",
    "standard_approve",
    "standard_retire",
    "standard_update",
    "trial_close",
    "trial_start",
    "vendor_create",
    "vendor_model_link",
    "vendor_update",
]
