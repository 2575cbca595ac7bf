"""Governance's panel on lifecycle's model page (lifecycle.panels): the model's emergency releases, a request
link for its owners, and approve/refuse forms for independent holders of the emergency function."""

from django.template.loader import render_to_string
from django.utils import timezone

from governance import selectors
from governance.choices import EMERGENCY_STATUS_COLORS, OPEN_EMERGENCY_STATES, EmergencyStatus
from governance.forms import EmergencyDecisionForm


def model_emergency_panel(*, request, model) -> str:
    from governance.services.emergency import EMERGENCY_PERM, ON_THE_WAY_STAGES, lapsed
    from lifecycle.services import rollback_target

    user = request.user
    releases = list(selectors.emergency_release_list(user=user).filter(version__model=model)[:10])
    owner_ids = {u.pk for u in model.owners.all()}
    is_owner = user.pk in owner_ids
    open_versions = {r.version_id for r in releases if r.status in OPEN_EMERGENCY_STATES}
    requestable = []
    if is_owner:
        versions = list(model.versions.all())
        # Of the versions that left production, only the one a rollback would restore is offered.
        production = next((v for v in versions if v.stage == "production"), None)
        restorable = rollback_target(production) if production else None
        requestable = [
            v
            for v in versions
            if v.pk not in open_versions and (v.stage in ON_THE_WAY_STAGES or (restorable and v.pk == restorable.pk))
        ]
    if not releases and not requestable:
        return ""
    holder = user.has_perm(EMERGENCY_PERM) and not is_owner
    now = timezone.now()
    rows = [
        {
            "release": r,
            "color": EMERGENCY_STATUS_COLORS.get(r.status, "grey"),
            "lapsed": lapsed(r, now=now),
            "may_decide": holder
            and r.status == EmergencyStatus.REQUESTED
            and user.pk not in (r.requested_by_id, r.first_approver_id),
            "may_deploy": is_owner and r.status == EmergencyStatus.APPROVED and not lapsed(r, now=now),
            # one form per row, with ids of its own: deciding and releasing are both signed with a password
            "form": EmergencyDecisionForm(auto_id=f"id_emergency{r.pk}_%s"),
        }
        for r in releases
    ]
    return render_to_string(
        "governance/partials/emergency_panel.html",
        {"rows": rows, "requestable": requestable, "model": model},
        request=request,
    )
