from core.navigation import menu_for


def navigation(request) -> dict:
    """The menu for the signed-in user: only what their permissions open (core.navigation.MENU)."""
    user = getattr(request, "user", None)
    return {"nav_menu": menu_for(user, path=request.path)}
