"""Every view, fed hostile values in every field it really reads: never a server error.

The fields come from the code, not from a typed list (tests/support/view_fields.py
walks the URL resolver and reads each view's forms, FilterSets and request.GET/POST
keys): a list typed by hand said `leads` where the view read `lead`, and four 500s
went unseen. Each route gets, as every persona allowed to use it (from the permission
matrix), GET and POST requests with
- each field alone set to each of the CORE values (non-numbers, 2**63, negatives,
  empty, a 60,000-character string, day 9999-12-31, a list of values), and every field
  at once set to each HOSTILE value, as the first persona allowed;
- every field at once set to each CORE value, as each other persona allowed;
- random mixes drawn by hypothesis.
The page must answer with anything but a 5xx. A method the view refuses (405) is
skipped after the first try.
"""

import traceback

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.smarketing.test_permission_matrix import EXPECTED, PUBLIC
from tests.support.view_fields import fields_read_by, routes

HUGE = str(2**63)
CORE = ["abc", "", HUGE, "-1", "9999-12-31", "a" * 60_000, ["1", "abc", HUGE]]
HOSTILE = [
    *CORE,
    " ", "0", str(2**64), f"-{2**63 + 1}", "99999999999999999999", "1e309", "NaN",
    "0001-01-01", "9999-12-31T23:59", "2026-02-30", "²", "١٢", "\x00",
    "<script>alert(1)</script>", "' OR 1=1 --", "true", "🚀" * 50, "../../etc/passwd",
    ["", ""], [HUGE, "-1"],
]  # fmt: skip
VALUES = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300), st.integers().map(str))

ROUTES = dict(routes())
FUZZ = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Visitor:
    """Sends GET and POST to one URL, forgetting a method once the view refuses it, and
    gathers the distinct server errors (exception and the project line that raised it),
    so one run reports every 500 of a route, not only the first."""

    def __init__(self, client, url):
        self.client, self.url, self.methods = client, url, ["get", "post"]
        self.errors = {}

    def send(self, data):
        for method in list(self.methods):
            try:
                response = getattr(self.client, method)(self.url, data)
            except Exception as error:  # noqa: BLE001 (each one is a finding to report)
                self.errors.setdefault(_where(error), (method, _short(data)))
                continue
            if response.status_code == 405:
                self.methods.remove(method)
            elif response.status_code >= 500:
                self.errors.setdefault(f"status {response.status_code}", (method, _short(data)))

    def assert_no_errors(self):
        assert not self.errors, "\n".join(f"{k}: {v}" for k, v in self.errors.items())


def _where(error):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/.venv/" not in f.filename]
    place = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    return f"{type(error).__name__} at {place}: {str(error)[:120]}"


def _short(data):
    return {k: (v[:40] if isinstance(v, str) else v) for k, v in data.items()}


def _personas(allowed):
    return [None] if allowed == PUBLIC else sorted(allowed)


def test_the_fuzzer_finds_the_fields_the_views_read():
    # The fields that the typed list got wrong, and a FilterSet's, a formset's, a form's.
    assert "lead" in fields_read_by(ROUTES["leads:qualify"].callback)
    assert "approve" in fields_read_by(ROUTES["feedback:objection_list"].callback)
    assert {"version", "lead"} <= fields_read_by(ROUTES["feedback:call_log_wording"].callback)
    assert "until" in fields_read_by(ROUTES["insight:loop_health"].callback)
    assert "steps-0-day_offset" in fields_read_by(ROUTES["leads:play_create"].callback)
    assert {"username", "password"} <= fields_read_by(ROUTES["login"].callback)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_every_field_a_view_reads_takes_hostile_values_without_a_500(request, client, world, name):
    method, allowed, kwargs, _ = EXPECTED[name]
    url = reverse(name, kwargs={k: world.get(v, v) for k, v in kwargs.items()})
    fields = sorted(fields_read_by(ROUTES[name].callback))
    for index, persona in enumerate(_personas(allowed)):
        if persona:
            client.force_login(request.getfixturevalue(persona))
        visitor = Visitor(client, url)
        visitor.send({})
        if index == 0:
            for field in fields:
                for value in CORE:
                    visitor.send({field: value})
        # Every value for the first persona; the others (the same fields, another
        # role's branches of the view) get the CORE ones: the suite runs on 2 cores.
        for value in (HOSTILE if index == 0 else CORE) if fields else ():
            visitor.send(dict.fromkeys(fields, value))
        visitor.assert_no_errors()
    if fields:
        persona = _personas(allowed)[0]
        if persona:
            client.force_login(request.getfixturevalue(persona))
        visitor = Visitor(client, url)

        @FUZZ
        @given(data=st.dictionaries(st.sampled_from(fields), VALUES))
        def send_random(data):
            visitor.send(data)

        send_random()
        visitor.assert_no_errors()


ID_ROUTES = sorted(
    name
    for name, pattern in ROUTES.items()
    if any(c.regex == "[0-9]+" for c in pattern.pattern.converters.values())  # int and id
)


@pytest.mark.parametrize("name", ID_ROUTES)
@pytest.mark.parametrize("huge", [2**63, 2**64, 10**30])
def test_an_id_in_the_url_beyond_64_bits_is_not_found_not_a_crash(
    request, client, world, name, huge
):
    method, allowed, kwargs, _ = EXPECTED[name]
    converters = ROUTES[name].pattern.converters
    values = {k: world.get(v, v) for k, v in kwargs.items()}
    for key in converters:
        if key in values and str(values[key]).isdigit():
            values[key] = huge
    persona = _personas(allowed)[0]
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = getattr(client, method)(reverse(name, kwargs=values))
    assert response.status_code == 404, (name, response.status_code)


# Regressions found by fuzzing, kept by name.
HUGE_ID = str(2**63)


@pytest.mark.parametrize(
    ("name", "persona", "data"),
    [
        (
            "messaging:message_create",
            "marketer",
            {"title": "t", "kind": "other", "personas": HUGE_ID},
        ),
        ("feedback:call_log_create", "rep_a", {"objections": HUGE_ID, "lead": HUGE_ID}),
        ("leads:handoff", "marketer", {"leads": [HUGE_ID], "assign": "person"}),
        ("leads:qualify", "marketer", {"lead": [HUGE_ID]}),
    ],
)
def test_an_id_beyond_64_bits_is_an_invalid_choice_not_a_crash(
    request, client, world, name, persona, data
):
    # Found by the fuzzing above: SQLite raised OverflowError on an IN lookup.
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse(name), data)
    assert response.status_code in (200, 302, 400, 422)


@pytest.mark.parametrize(
    ("name", "persona"),
    [
        ("messaging:message_library", "marketer"),
        ("leads:list", "marketer"),
        ("leads:queue", "rep_a"),
    ],
)
def test_a_search_longer_than_any_title_is_refused_not_a_500(request, client, world, name, persona):
    # Found by the fuzzing above: SQLite rejects LIKE patterns past 50,000 characters.
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse(name), {"q": "a" * 60_000})
    assert response.status_code == 200


# Found by the generated fuzzing above (each was a 500).
@pytest.mark.parametrize("version", ["abc", "²", HUGE_ID])
def test_the_wording_of_a_version_that_is_not_a_number_is_not_found(client, world, rep_a, version):
    client.force_login(rep_a)
    response = client.get(reverse("feedback:call_log_wording"), {"version": version})
    assert response.status_code == 404


def test_a_lead_that_is_not_a_number_gives_the_call_form_without_it(client, world, rep_a):
    client.force_login(rep_a)
    response = client.get(reverse("feedback:call_log_create"), {"lead": "²", "version": "²"})
    assert response.status_code == 200


@pytest.mark.parametrize("lead", [["abc"], [""], ["²"], [HUGE_ID], []])
def test_qualifying_no_valid_lead_says_so(client, world, marketer, lead):
    client.force_login(marketer)
    response = client.post(reverse("leads:qualify"), {"lead": lead}, follow=True)
    assert response.status_code == 200
    assert "Only new or recycled leads can be qualified." in response.content.decode()


@pytest.mark.parametrize("lead", ["abc", "²", HUGE_ID])
def test_handing_off_no_valid_lead_asks_for_one(client, world, marketer, lead):
    client.force_login(marketer)
    response = client.get(reverse("leads:handoff"), {"lead": lead}, follow=True)
    assert "Choose one or more leads to hand off." in response.content.decode()


@pytest.mark.parametrize("approve", ["abc", "²", "", HUGE_ID])
def test_approving_an_objection_that_is_not_a_number_is_not_found(client, world, marketer, approve):
    client.force_login(marketer)
    response = client.post(reverse("feedback:objection_list"), {"approve": approve})
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["insight:loop_health", "insight:scorecards"])
@pytest.mark.parametrize("bound", [{"until": "9999-12-31"}, {"since": "0001-01-01"}])
def test_a_period_past_the_calendar_is_a_form_error(client, world, manager_a, name, bound):
    client.force_login(manager_a)
    response = client.get(reverse(name), bound)
    assert response.status_code == 200
    assert "Choose a day between 1970-01-01 and 2999-12-31." in response.content.decode()


@pytest.mark.parametrize("target", ["abc", "0", "9999-12-31T23:59"])
def test_a_next_that_is_no_url_name_is_followed_as_a_relative_address(client, world, rep_a, target):
    # redirect("abc") took the text for a URL name and raised NoReverseMatch.
    client.force_login(rep_a)
    url = reverse("leads:handoff_accept", kwargs={"pk": world["handoff"]})
    response = client.post(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == target


def test_a_unicode_digit_id_in_a_multiple_choice_is_an_invalid_choice(client, world, marketer):
    client.force_login(marketer)
    data = {"title": "t", "kind": "other", "personas": "²"}
    response = client.post(reverse("messaging:message_create"), data)
    assert response.status_code == 200
    assert "is not one of the available choices" in response.content.decode()


def test_adding_a_step_with_a_unicode_digit_row_count_starts_from_none(client, world, marketer):
    client.force_login(marketer)
    data = {"name": "P", "add_step": "1", "steps-TOTAL_FORMS": "²", "steps-INITIAL_FORMS": "0"}
    response = client.post(reverse("leads:play_create"), data)
    assert response.status_code == 200
