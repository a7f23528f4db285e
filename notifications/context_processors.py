from .selectors import unread_notification_count


def unread_count(request):
    """The unread count the navigation's bell shows on every page (one COUNT query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": unread_notification_count(user=user)}
