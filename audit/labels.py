"""Labels a record type was audited under before its model moved to another app.

Audit events store the label of their target (`app_label.model`) as written, and the trail is never rewritten:
events written before a model moved keep the former label. The readers ask `labels_of` so a record's history
holds its events under every label it had. Add a line here when a model changes app."""

FORMER_LABELS: dict[str, tuple[str, ...]] = {
    # Frameworks, controls, evidence and external audits left governance for compliance.
    **{
        f"compliance.{model}": (f"governance.{model}",)
        for model in (
            "framework",
            "requirement",
            "control",
            "controlrequirement",
            "evidence",
            "externalaudit",
            "auditfinding",
            "followup",
        )
    },
    # Vendors, technology evaluations and standards left governance for sourcing.
    **{
        f"sourcing.{model}": (f"governance.{model}",)
        for model in ("vendor", "suppliedmodel", "technologyevaluation", "sandboxtrial", "approvedstandard")
    },
}
_CURRENT = {former: label for label, formers in FORMER_LABELS.items() for former in formers}


def labels_of(label: str) -> list[str]:
    """Every label the record type of `label` (current or former) was audited under, current first."""
    current = _CURRENT.get(label, label)
    return [current, *FORMER_LABELS.get(current, ())]
