from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.permissions import can, perm_name

_ACTION_BY_METHOD = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


class ScopedObjectPermissions(BasePermission):
    """Signed-in users only. Reads are scoped by the queryset (what you may not see is a 404);
    writes need the model permission, then the object permission on the record itself (403)."""

    message = "You do not have permission to do this."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in SAFE_METHODS or getattr(view, "action_permission", None) == "custom":
            return True
        if request.method not in view.allowed_methods:
            return True  # let the view answer 405: the method does not exist here for anyone
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            return True
        return user.has_perm(perm_name(queryset.model, _ACTION_BY_METHOD.get(request.method, "change")))

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS or getattr(view, "action_permission", None) == "custom":
            return True
        return can(request.user, _ACTION_BY_METHOD.get(request.method, "change"), obj)
