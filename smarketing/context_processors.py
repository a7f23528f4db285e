from django.urls import reverse

from feedback.selectors import unread_notification_count

from .roles import ADMIN, MARKETING, SALES, SALES_MANAGER, has_role, roles_of

# (label, url name, roles that see it). Each feature adds its own entries here so that
# the navigation shows each role only what it may use.
NAVIGATION = (
    ("Home", "home", None),
    ("Messages", "messaging:message_library", None),
    ("Personas", "messaging:persona_list", (MARKETING,)),
    ("Suggestions", "feedback:suggestion_inbox", (MARKETING,)),
    ("My wording", "feedback:my_wording", (SALES,)),
    ("My queue", "leads:queue", (SALES,)),
    ("Team", "leads:team", (SALES_MANAGER,)),
    ("Leads", "leads:list", (MARKETING, SALES_MANAGER)),
    ("Imports", "leads:imports", (MARKETING,)),
    ("Disqualifications", "leads:report", (MARKETING,)),
    # Leadership pages: salespeople do not get them, since they rank colleagues by SLA
    # breaches; a salesperson's own figures are on "My wording" and in their queue.
    ("Attribution", "insight:attribution", (MARKETING, SALES_MANAGER)),
    ("Loop health", "insight:loop_health", (MARKETING, SALES_MANAGER)),
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for label, url_name, roles in NAVIGATION:
        if roles is None or has_role(user, *roles):
            url = reverse(url_name)
            items.append({"label": label, "url": url, "active": _is_active(request.path, url)})
    held = roles_of(user)
    return {
        "unread_count": unread_notification_count(user=user),
        "nav_items": items,
        "roles": sorted(held),
        "is_marketer": has_role(user, MARKETING),
        "is_salesperson": SALES in held,
        "is_manager": SALES_MANAGER in held,
        "is_admin": ADMIN in held,
    }


def _is_active(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)
