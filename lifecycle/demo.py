"""Demo inventory: models for the demo portfolio's use cases, with versions in several stages.

Registered by hand (not from MLflow) so the demo needs no MLflow content; versions registered from
MLflow come through `POST /api/v1/model-versions/import/`."""

import random

from django.contrib.auth.models import User
from django.db import transaction

from lifecycle import services
from lifecycle.choices import Stage
from lifecycle.models import AIModel

SIGNATURE = {"inputs": '[{"name": "features", "type": "tensor"}]', "outputs": '[{"type": "double"}]'}
# Path of stages each demo model's latest version walks; earlier versions end deprecated.
PATHS = {
    "live": [Stage.IN_VALIDATION, Stage.PENDING_APPROVAL, Stage.APPROVED, Stage.PRODUCTION],
    "in_delivery": [Stage.IN_VALIDATION, Stage.PENDING_APPROVAL],
    "approved": [Stage.IN_VALIDATION],
}


@transaction.atomic
def seed(*, before_approval=None) -> None:
    """`before_approval(version)` runs before each move to approved (the governance demo signs the
    review there), so the demo passes the same gates as everyone else."""
    if AIModel.objects.exists():
        return
    from portfolio.models import UseCase

    ds, ds2, reviewer = (User.objects.get(username=name) for name in ("ds", "ds2", "rb"))
    rng = random.Random(17)
    for use_case in UseCase.objects.filter(status__in=PATHS).order_by("number")[:12]:
        name = use_case.title.lower().replace(" ", "-").replace("&", "and")[:60]
        owner = ds if use_case.business_unit.code == "RETAIL" else ds2
        model = services.model_register(
            actor=owner,
            name=name,
            use_case=use_case,
            model_type=rng.choice(["gradient boosting", "transformer", "logistic regression", "random forest"]),
        )
        versions = 2 if use_case.status == "live" else 1
        for number in range(1, versions + 1):
            version = services.model_version_register(
                actor=owner,
                model=model,
                version=str(number),
                signature=SIGNATURE,
                framework="scikit-learn",
                metrics={"auc": round(rng.uniform(0.78, 0.93), 3), "recall": round(rng.uniform(0.7, 0.9), 3)},
                params={"max_depth": str(rng.randrange(3, 9))},
            )
            for stage in PATHS[use_case.status]:
                actor = reviewer if stage == Stage.APPROVED else owner
                if stage == Stage.PRODUCTION:
                    services.deployment_record(
                        actor=owner,
                        version=version,
                        environment="production",
                        endpoint=f"https://ml.internal/{name}/v{number}",
                        runtime={"regions": ["eu-west-1"], "replicas": [2, 6]},
                    )
                if stage == Stage.APPROVED and before_approval is not None:
                    before_approval(version)
                services.model_version_transition(
                    actor=actor, version=version, to_stage=stage, reason="Demo lifecycle step."
                )
