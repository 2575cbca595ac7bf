"""Compare one request's answer with the policy; find leaks of hidden records in any answer."""

from django.urls import reverse

from core.permissions import SEE_ALL_PERM

from .policy import ANY, CLASSES, LOGIN, OTHER_CONFIDENTIAL, OWN, RULES


def outcome_matches(expected, response, *, api: bool) -> bool:
    if expected == LOGIN:
        if api:
            return response.status_code in (401, 403)
        # Pages behind a permission (dashboards, the audit trail) answer 403 before asking who you are.
        return response.status_code == 403 or (
            response.status_code == 302 and response["Location"].startswith(reverse("login"))
        )
    return response.status_code == expected


def describe(response) -> str:
    where = f" -> {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{where}"


def sees_confidential_of_other_units(principal: str) -> bool:
    # Principals outside the matrix (a validator) see like a unit member.
    return RULES["scoped"].get(principal, {}).get(OTHER_CONFIDENTIAL) == 200


def hidden_markers(world, principal: str) -> list[str]:
    if principal == "anonymous":
        return [m for m in world.all_markers()]
    return [] if sees_confidential_of_other_units(principal) else world.hidden_markers()


def markers_hidden_from(world, user) -> list[str]:
    """The markers of the world's records `user` may not see, by the written rule (policy.py), for anyone in the
    world, matrix principal or not: confidential records of the units they are not a member of, unless they see
    every unit."""
    if user is None:
        return world.all_markers()
    if user.is_superuser or user.has_perm(SEE_ALL_PERM):
        return []
    units = set(user.business_unit_memberships.values_list("business_unit__code", flat=True))
    hidden = [
        cls
        for cls in CLASSES
        if cls.endswith("confidential") and ("RETAIL" if cls.startswith(OWN) else "CORP") not in units
    ]
    return [world_marker for cls in hidden for world_marker in world.markers_of(cls)]


def leaks(world, principal: str, response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    return [m for m in hidden_markers(world, principal) if m in text]


def cases(entry, world):
    """(principal, object class, record or None, expected) for every cell of the entry's rule."""
    rule = RULES[entry.rule]
    for principal, by_class in rule.items():
        for object_class, expected in by_class.items():
            record = None
            if entry.resource is not None:
                record = world.objects[entry.resource][object_class]
            elif object_class != ANY:
                raise AssertionError(f"rule {entry.rule} has object classes but the row names no resource")
            yield principal, object_class, record, expected
