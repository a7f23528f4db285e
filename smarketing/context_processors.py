from django.urls import get_script_prefix, get_urlconf, reverse

from .roles import ADMIN, MARKETING, SALES, SALES_MANAGER, holds, roles_of

# (label, url name, roles that see it, the path prefix that marks it current). Each
# feature adds its own entries here so that each role sees only what it may use, in the
# order they work: their own queue or team first. Pages one step away (personas,
# imports, the disqualification report, loop health) are linked from these pages.
NAVIGATION = (
    ("Home", "home", None, None),
    ("My queue", "leads:queue", (SALES,), None),
    ("Team", "leads:team", (SALES_MANAGER,), None),
    ("Leads", "leads:list", (MARKETING, SALES_MANAGER), None),
    ("Plays", "leads:play_list", (MARKETING,), None),
    ("Messages", "messaging:message_library", None, "/messages/"),
    ("Suggestions", "feedback:suggestion_inbox", (MARKETING,), "/feedback/inbox"),
    ("My wording", "feedback:my_wording", (SALES,), None),
    # Leadership pages: salespeople do not get them, since they rank colleagues by SLA
    # breaches; a salesperson's own figures are on "My wording" and in their queue.
    ("Insight", "insight:attribution", (MARKETING, SALES_MANAGER), "/insight/"),
)


# The navigation's URLs, reversed once per URL configuration and script prefix (they
# are the same on every request: nine reverse() calls a page, issue 19).
_URLS: dict[tuple, dict[str, str]] = {}
# The entries each set of roles sees, (label, url, the prefix that marks it current), the
# same for everyone with those roles: built once per set (a few dozen at most).
_ENTRIES: dict[tuple, tuple[tuple[str, str, str], ...]] = {}


def _navigation_urls() -> dict[str, str]:
    key = (get_urlconf(), get_script_prefix())
    urls = _URLS.get(key)
    if urls is None:
        urls = _URLS[key] = {name: reverse(name) for _l, name, _r, _p in NAVIGATION}
    return urls


def _entries_for(held: frozenset[str]) -> tuple[tuple[str, str, str], ...]:
    key = (get_urlconf(), get_script_prefix(), held)
    entries = _ENTRIES.get(key)
    if entries is None:
        urls = _navigation_urls()
        entries = _ENTRIES[key] = tuple(
            (label, urls[url_name], prefix or urls[url_name])
            for label, url_name, roles, prefix in NAVIGATION
            if roles is None or holds(held, *roles)
        )
    return entries


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = roles_of(user)
    path = request.path
    items = [
        {"label": label, "url": url, "active": _is_active(path, marks)}
        for label, url, marks in _entries_for(held)
    ]
    return {
        "nav_items": items,
        "roles": sorted(held),
        "is_marketer": holds(held, MARKETING),
        "is_salesperson": SALES in held,
        "is_manager": SALES_MANAGER in held,
        "is_admin": ADMIN in held,
    }


def _is_active(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)
