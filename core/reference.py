"""Reference data edited in the admin (a metric's definition, say) whose app has no richer service for it:
one audited save, with the before and after of the fields the form changed."""

from django.db import transaction

from audit import services as audit
from core.exceptions import NotAllowed


def _value(record, field: str):
    value = getattr(record, field, None)
    return str(value) if hasattr(value, "_meta") else value


@transaction.atomic
def reference_save(*, actor, record, fields):
    """Create or change `record` (its new values already set on it); `fields` names what the editor changed."""
    model = type(record)
    stored = model._default_manager.select_for_update().filter(pk=record.pk).first() if record.pk else None
    perm = f"{model._meta.app_label}.{'add' if stored is None else 'change'}_{model._meta.model_name}"
    if not actor.has_perm(perm):
        raise NotAllowed(f"You may not change {model._meta.verbose_name_plural} (needs {perm}).")
    names = [f for f in fields if hasattr(record, f)]
    before = {f: _value(stored, f) for f in names} if stored is not None else {}
    record.full_clean()
    record.save()
    audit.record(
        actor=actor,
        action=f"{model._meta.model_name}.{'created' if stored is None else 'updated'}",
        target=record,
        before=before or None,
        after={f: _value(record, f) for f in names},
    )
    return record
