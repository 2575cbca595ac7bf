"""Every write to the portfolio: permission checked, validated, saved and audited in one transaction."""

from portfolio.services.organisation import (
    business_unit_create,
    business_unit_update,
    membership_add,
    membership_remove,
)
from portfolio.services.reviews import (
    assumption_create,
    assumption_review,
    portfolio_review_create,
    raci_assign,
    raci_remove,
    review_decide,
)
from portfolio.services.roadmap import (
    agreement_create,
    agreement_set_status,
    dependency_add,
    roadmap_plan,
    team_create,
    wave_create,
    wave_set_capacity,
)
from portfolio.services.scoring import score_record, scoring_criterion_create, scoring_criterion_update
from portfolio.services.strategy import (
    capability_create,
    kpi_create,
    kpi_measurement_record,
    kpi_update,
    objective_create,
    objective_update,
)
from portfolio.services.use_cases import (
    USE_CASE_EDITABLE,
    use_case_create,
    use_case_link_objective,
    use_case_transition,
    use_case_unlink_objective,
    use_case_update,
)

__all__ = [
    "USE_CASE_EDITABLE",
    "agreement_create",
    "agreement_set_status",
    "assumption_create",
    "assumption_review",
    "business_unit_create",
    "business_unit_update",
    "capability_create",
    "dependency_add",
    "kpi_create",
    "kpi_measurement_record",
    "kpi_update",
    "membership_add",
    "membership_remove",
    "objective_create",
    "objective_update",
    "portfolio_review_create",
    "raci_assign",
    "raci_remove",
    "review_decide",
    "roadmap_plan",
    "score_record",
    "scoring_criterion_create",
    "scoring_criterion_update",
    "team_create",
    "use_case_create",
    "use_case_link_objective",
    "use_case_transition",
    "use_case_unlink_objective",
    "use_case_update",
    "wave_create",
    "wave_set_capacity",
]
