"""The one place that decides who may see and change what. Nothing else imports guardian.

Rules (DESIGN.md, foundation issue):
- every signed-in user may read records that are not confidential;
- a confidential record is visible to members of its business unit, to users granted it
  explicitly (guardian), and to holders of ``SEE_ALL_PERM`` (executives, platform admins);
- a write needs the model permission (from a role) *and* a record in one of the user's
  business units or an explicit object grant, unless the user holds ``MANAGE_ALL_PERM``;
  a record of no business unit (enterprise-wide) needs the model permission only.

A model takes part by declaring ``scope_business_unit`` (the path to its business unit) and,
if it can be confidential, ``scope_confidential`` (the path to the flag, or a tuple of paths). The
business-unit model must expose its memberships as ``memberships`` with a ``user`` field.

Confidentiality flows downwards (RELIABILITY T26): a record is confidential when its own flag is set
*or* any record above it is. ``confidential_paths`` derives that from the declarations: a path that
ends on the flag of a model which itself declares ``scope_confidential`` (``model__confidential`` on a
version) is replaced by that model's own paths (``model__confidential``, ``model__use_case__confidential``).
So a use case made confidential later hides its models, versions, reviews, cards, evidence, alerts and
costs at once, with nothing copied and nothing to keep in step.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Q
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from core.exceptions import NotAllowed

SEE_ALL_PERM = "portfolio.view_all_business_units"
MANAGE_ALL_PERM = "portfolio.manage_all_business_units"
ACTIONS = ("view", "add", "change", "delete")


def perm_name(model: type[models.Model], action: str) -> str:
    """`portfolio.change_usecase` for (UseCase, "change")."""
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def _is_active(user) -> bool:
    return bool(user and not isinstance(user, AnonymousUser) and user.is_authenticated and user.is_active)


def sees_everything(user) -> bool:
    return _is_active(user) and user.has_perm(SEE_ALL_PERM)


def manages_everything(user) -> bool:
    return _is_active(user) and user.has_perm(MANAGE_ALL_PERM)


def member_business_unit_ids(user) -> list[int]:
    """Ids of the business units the user is a member of (cached on the user for the request)."""
    if not _is_active(user):
        return []
    if not hasattr(user, "_lodestar_bu_ids"):
        user._lodestar_bu_ids = list(user.business_unit_memberships.values_list("business_unit_id", flat=True))
    return user._lodestar_bu_ids


def _granted(queryset: models.QuerySet, user, action: str) -> models.QuerySet:
    perm = perm_name(queryset.model, action)
    return get_objects_for_user(user, perm, klass=queryset.model, accept_global_perms=False, with_superuser=False)


def _as_tuple(declared) -> tuple[str, ...]:
    if not declared:
        return ()
    return (declared,) if isinstance(declared, str) else tuple(declared)


@cache
def confidential_paths(model: type[models.Model]) -> tuple[str, ...]:
    """Every flag that makes a record of `model` confidential: its own and those of the records above it,
    as ORM paths from `model` (empty when it cannot be confidential)."""
    paths: list[str] = []
    for path in _as_tuple(getattr(model, "scope_confidential", None)):
        *relations, _flag = path.split("__")
        target = model
        for name in relations:
            target = target._meta.get_field(name).related_model
        if relations and getattr(target, "scope_confidential", None):
            prefix = "__".join(relations)
            paths.extend(f"{prefix}__{inherited}" for inherited in confidential_paths(target))
        else:
            paths.append(path)
    return tuple(dict.fromkeys(paths))


def confidential_sources(model: type[models.Model]) -> tuple[tuple[str, str], ...]:
    """(path, what holds the flag) for each flag that makes a record of `model` confidential, widest first: on a
    version, `("model__use_case__confidential", "use_case")` then `("model__confidential", "model")`. A record's
    own flag is named after its model (`"model"` for an AIModel)."""
    own = model._meta.verbose_name.replace(" ", "_")
    named = [(path, path.split("__")[-2] if "__" in path else own) for path in confidential_paths(model)]
    return tuple(sorted(named, key=lambda item: -item[0].count("__")))


def with_confidentiality(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate `confidential_effective` (the record or anything above it is confidential) and
    `confidential_source` (the widest record whose flag is set, or None), in the query itself."""
    sources = confidential_sources(queryset.model)
    if not sources:
        return queryset
    return queryset.annotate(
        confidential_effective=models.ExpressionWrapper(~not_confidential(queryset.model), models.BooleanField()),
        confidential_source=models.Case(
            *(models.When(**{path: True}, then=models.Value(kind)) for path, kind in sources),
            default=None,
            output_field=models.CharField(),
        ),
    )


def confidential_source(record: models.Model) -> str | None:
    """The same answer for one record already loaded (after a create or a command), following its relations."""
    if hasattr(record, "confidential_source"):
        return record.confidential_source
    for path, kind in confidential_sources(type(record)):
        value = record
        for name in path.split("__"):
            value = getattr(value, name, None)
        if value:
            return kind
    return None


def not_confidential(model: type[models.Model]) -> Q:
    """Records of `model` that neither they nor anything above them is confidential."""
    return Q(**{path: False for path in confidential_paths(model)})


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view") -> RestrictedQuerySet:
        """The records of this queryset that `user` may `action`; filtered in the database."""
        if action not in ACTIONS:
            raise ValueError(f"Unknown action {action!r}")
        if not _is_active(user):
            return self.none()
        if user.is_superuser:
            return self
        model = self.model
        bu_path = getattr(model, "scope_business_unit", None)
        if action == "view":
            if sees_everything(user) or not confidential_paths(model):
                return self
            # An explicit grant opens the record itself (not what hangs below it).
            visible = not_confidential(model) | Q(pk__in=_granted(self, user, "view").values("pk"))
            if bu_path is not None:
                visible |= Q(**{f"{bu_path}__in": member_business_unit_ids(user)})
            return self.filter(visible)
        if not user.has_perm(perm_name(model, action)):
            return self.filter(pk__in=_granted(self, user, action).values("pk"))
        if manages_everything(user) or bu_path is None:
            return self
        # Records of no unit (enterprise-wide objectives, say) need only the model permission.
        in_scope = Q(**{f"{bu_path}__in": member_business_unit_ids(user)}) | Q(**{f"{bu_path}__isnull": True})
        return self.filter(in_scope | Q(pk__in=_granted(self, user, action).values("pk")))


def holders_of_perm(perm: str):
    """Active users who hold `perm` ("app_label.codename") through a role or directly."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    app_label, codename = perm.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(groups__permissions=permission) | Q(user_permissions=permission)).distinct()


def can(user, action: str, obj: models.Model) -> bool:
    """Whether `user` may `action` this record (one query at most)."""
    manager = type(obj)._default_manager
    if not isinstance(manager.all(), RestrictedQuerySet):
        return _is_active(user) and (action == "view" or user.has_perm(perm_name(type(obj), action)))
    return manager.all().restrict(user, action).filter(pk=obj.pk).exists()


def require(user, action: str, obj: models.Model) -> None:
    """Raise NotAllowed unless `user` may `action` `obj`. Services call this before every write."""
    if not can(user, action, obj):
        raise NotAllowed(f"You may not {action} {obj._meta.verbose_name} “{obj}”.")


def require_model_perm(user, model: type[models.Model], action: str, *, business_unit=None) -> None:
    """Raise NotAllowed unless `user` may `action` records of `model` in `business_unit`."""
    if not _is_active(user) or not user.has_perm(perm_name(model, action)):
        raise NotAllowed(f"You may not {action} {model._meta.verbose_name_plural}.")
    if business_unit is None or user.is_superuser or manages_everything(user):
        return
    if business_unit.pk not in member_business_unit_ids(user):
        raise NotAllowed(
            f"You may not {action} {model._meta.verbose_name_plural} in business unit {business_unit}: "
            "you are not a member of it."
        )


def grant(*, actor, grantee, action: str, obj: models.Model, reason: str = "") -> None:
    """Give one user or group `action` on one record (object permission), audited."""
    from audit import services as audit

    assign_perm(perm_name(type(obj), action), grantee, obj)
    audit.record(
        actor=actor,
        action="permission.granted",
        target=obj,
        reason=reason,
        after={"grantee": str(grantee), "permission": perm_name(type(obj), action)},
    )


def revoke(*, actor, grantee, action: str, obj: models.Model, reason: str = "") -> None:
    """Take back an object permission given with `grant`, audited."""
    from audit import services as audit

    remove_perm(perm_name(type(obj), action), grantee, obj)
    audit.record(
        actor=actor,
        action="permission.revoked",
        target=obj,
        reason=reason,
        before={"grantee": str(grantee), "permission": perm_name(type(obj), action)},
    )


__all__ = [
    "ACTIONS",
    "MANAGE_ALL_PERM",
    "SEE_ALL_PERM",
    "RestrictedQuerySet",
    "can",
    "confidential_paths",
    "grant",
    "manages_everything",
    "member_business_unit_ids",
    "not_confidential",
    "perm_name",
    "require",
    "require_model_perm",
    "revoke",
    "sees_everything",
]
