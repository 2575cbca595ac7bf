from notifications.selectors import unread_count


def unread(request) -> dict:
    """The unread count on the inbox link of every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user=user)}
