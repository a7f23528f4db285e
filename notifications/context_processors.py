from functools import cache

from .selectors import unread_notification_count


def unread_count(request):
    """The unread count the navigation's bell shows on every full page.

    Handed to the templates as a callable the template engine calls where it reads
    `unread_count` (once, then remembered for the request), so that a page or fragment
    that never shows the bell (an htmx swap, a redirect, `/bench/bare`) pays nothing.
    The count itself comes from the cache (notifications.selectors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_count": cache(lambda: unread_notification_count(user=user))}
