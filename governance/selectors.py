from governance.models import SignOffFunction


def sign_off_functions_held(*, user) -> list[SignOffFunction]:
    """The sign-off functions whose permission the user holds (through a role or directly)."""
    perms = user.get_all_permissions()
    return [function for function in SignOffFunction.objects.all() if function.permission in perms]
