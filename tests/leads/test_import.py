"""Importing vendor CSVs: every good row imports; every other row is reported by line."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from leads import importing, services
from leads.models import ImportRejection, Lead, LeadList
from tests.support.factories import LeadFactory

HEADER = "First Name,Last Name,Email,Company,Job Title,Phone,Lead Source\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(content: bytes | str, name="vendor.csv", encoding="utf-8"):
    if isinstance(content, str):
        content = content.encode(encoding)
    return SimpleUploadedFile(name, content, content_type="text/csv")


def run_import(marketer, content, **kwargs) -> LeadList:
    lead_list = services.lead_import_create(user=marketer, uploaded_file=upload(content), **kwargs)
    services.lead_import_start(lead_list=lead_list, user=marketer)
    return services.lead_import_run(lead_list_id=lead_list.pk)


def reasons(lead_list) -> dict[int, str]:
    return dict(lead_list.rejections.values_list("line_number", "reason"))


def test_headers_in_any_spelling_are_recognized():
    assert importing.guess_mapping(
        ["first_name", "LAST NAME", "E-Mail", "company_name", "job_title", "Phone", "lead source"]
    ) == {
        "first_name": 0,
        "last_name": 1,
        "email": 2,
        "company": 3,
        "title": 4,
        "phone": 5,
        "source": 6,
    }


def test_a_clean_file_imports_every_row_with_accounts_and_sources(marketer):
    content = HEADER + (
        "Ada,Lovelace,ADA@Engines.example,Analytical Engines,CFO,+44 1,Trade show\n"
        "Grace,Hopper,grace@navy.example,US Navy,CTO,,\n"
        "Alan,Turing,alan@bletchley.example,Analytical Engines ,Head of Finance,,\n"
    )
    lead_list = run_import(marketer, content, source="Vendor Q1")
    assert (lead_list.status, lead_list.imported_count, lead_list.total_rows) == ("done", 3, 3)
    ada = Lead.objects.get(email="ada@engines.example")
    assert (ada.first_name, ada.title, ada.source, ada.lead_list) == (
        "Ada",
        "CFO",
        "Trade show",
        lead_list,
    )
    assert Lead.objects.get(email="grace@navy.example").source == "Vendor Q1"
    # "Analytical Engines" and "Analytical Engines " are one account
    assert ada.account == Lead.objects.get(email="alan@bletchley.example").account


def test_duplicates_within_the_file_and_against_existing_leads_are_reported(marketer):
    LeadFactory(email="known@customer.example")
    content = HEADER + (
        "A,One,a@x.example,X,,,\n"
        "K,Nown,Known@customer.example,X,,,\n"
        "A,Again,a@x.example,X,,,\n"
        "B,Two,b@x.example,X,,,\n"
    )
    lead_list = run_import(marketer, content)
    assert (lead_list.imported_count, lead_list.duplicate_count, lead_list.rejected_count) == (
        2,
        2,
        0,
    )
    assert reasons(lead_list) == {
        3: "A lead with this email already exists.",
        4: "Same email as line 2 of this file.",
    }


def test_malformed_emails_are_rejected_with_their_line_and_good_rows_still_import(marketer):
    content = HEADER + (
        "Good,One,good1@x.example,X,,,\n"
        "Bad,Email,not-an-email,X,,,\n"
        "No,Email,,X,,,\n"
        "Too,Many,extra@x.example,X,,,,unexpected,value\n"
        "Good,Two,good2@x.example,X,,,\n"
    )
    lead_list = run_import(marketer, content)
    assert lead_list.imported_count == 2
    rejected = reasons(lead_list)
    assert set(rejected) == {3, 4, 5}
    assert rejected[3] == "“not-an-email” is not a valid email address."
    assert rejected[4] == "Email is empty."
    assert "header has 7 columns" in rejected[5]
    total = lead_list.imported_count + lead_list.duplicate_count + lead_list.rejected_count
    assert total == lead_list.total_rows == 5


def test_line_numbers_count_quoted_multiline_values_and_skip_blank_lines(marketer):
    content = HEADER + 'A,One,a@x.example,"Multi\nline company",,,\n\nB,Two,broken@,X,,,\n'
    lead_list = run_import(marketer, content)
    assert lead_list.imported_count == 1
    assert list(reasons(lead_list)) == [5]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("latin-1", b""), ("cp1252", b"")],
)
@pytest.mark.parametrize("separator", [",", ";"])
def test_encodings_and_separators_are_read_correctly(marketer, encoding, bom, separator):
    rows = [
        ["First Name", "Last Name", "Email", "Company"],
        ["Zoë", "Müller", "zoe@muller.example", "Société Générale"],
        ["Jürgen", "Weiß", "jurgen@weiss.example", "Bäckerei, Weiß & Söhne"],
    ]
    out = io.StringIO()
    csv.writer(out, delimiter=separator).writerows(rows)
    content = bom + out.getvalue().encode(encoding)
    lead_list = run_import(marketer, content)
    assert lead_list.imported_count == 2, list(lead_list.rejections.values_list("reason"))
    zoe = Lead.objects.select_related("account").get(email="zoe@muller.example")
    assert (zoe.first_name, zoe.last_name, zoe.account.name) == (
        "Zoë",
        "Müller",
        "Société Générale",
    )
    assert Lead.objects.get(email="jurgen@weiss.example").account.name == "Bäckerei, Weiß & Söhne"
    assert lead_list.delimiter == separator


def test_a_utf8_file_with_a_few_broken_bytes_rejects_only_those_lines(marketer):
    content = (HEADER + "Zoë,Müller,zoe@x.example,X,,,\n").encode() + (
        b"Bad,Byte\xff,bad@x.example,X,,,\n" + b"Ok,Fine,ok@x.example,X,,,\n"
    )
    lead_list = run_import(marketer, content)
    assert lead_list.imported_count == 2
    assert Lead.objects.get(email="zoe@x.example").first_name == "Zoë"
    assert reasons(lead_list) == {3: "The line contains bytes that are not valid UTF-8."}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"   \n\n", "The file is empty"),
        (b"PK\x03\x04binarystuff", "Excel workbook"),
        ("Email\n".encode("utf-16-le"), "NUL bytes"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(marketer, content, message):
    with pytest.raises(Exception) as refused:
        services.lead_import_create(user=marketer, uploaded_file=upload(content))
    assert message in " ".join(refused.value.messages)
    assert not LeadList.objects.exists()


def test_a_file_over_50_mb_is_refused_before_reading(marketer):
    big = SimpleUploadedFile("huge.csv", b"x", content_type="text/csv")
    big.size = importing.MAX_FILE_BYTES + 1
    with pytest.raises(Exception) as refused:
        services.lead_import_create(user=marketer, uploaded_file=big)
    assert "the limit is 50 MB" in " ".join(refused.value.messages)


def test_a_file_of_exactly_50_mb_is_accepted(marketer, tmp_path):
    line = "F,L,{n}@x.example,Company {n},CFO,+1 555 0100,Vendor\n"
    body = bytearray(HEADER.encode())
    n = 0
    while len(body) < importing.MAX_FILE_BYTES - 200:
        body += line.format(n=n).encode()
        n += 1
    body += b" " * (importing.MAX_FILE_BYTES - len(body) - 1) + b"\n"
    assert len(body) == importing.MAX_FILE_BYTES
    lead_list = services.lead_import_create(user=marketer, uploaded_file=upload(bytes(body)))
    assert lead_list.total_rows == n
    assert lead_list.mapping["email"] == 2


def test_missing_email_column_is_asked_for_before_the_import_can_start(marketer):
    lead_list = services.lead_import_create(
        user=marketer, uploaded_file=upload("Name,Company\nAda Lovelace,Engines\n")
    )
    assert importing.missing_required(lead_list.mapping) == ["Email"]
    with pytest.raises(Exception, match="Map the Email column"):
        services.lead_import_start(lead_list=lead_list, user=marketer)
    with pytest.raises(Exception, match="Choose the column that holds: Email"):
        services.lead_import_set_mapping(
            lead_list=lead_list, user=marketer, mapping={"full_name": 0}
        )


def test_a_full_name_column_is_split_into_first_and_last_name(marketer):
    lead_list = run_import(marketer, "Name,E-mail\nAda King Lovelace,ada@x.example\n")
    ada = Lead.objects.get(email="ada@x.example")
    assert (ada.first_name, ada.last_name, lead_list.imported_count) == ("Ada King", "Lovelace", 1)


def test_a_resumed_import_does_not_import_or_count_rows_twice(marketer):
    content = HEADER + "".join(f"F,L,p{n}@x.example,X,,,\n" for n in range(10))
    lead_list = services.lead_import_create(user=marketer, uploaded_file=upload(content))
    services.lead_import_start(lead_list=lead_list, user=marketer)
    # A worker imported the first batch of 4, then died; the task is delivered again.
    LeadList.objects.filter(pk=lead_list.pk).update(status="running")
    rows = list(
        importing.iter_rows(
            lead_list.file.path, encoding=lead_list.encoding, delimiter=lead_list.delimiter
        )
    )
    parsed = [
        importing.parse_row(line, values, mapping=lead_list.mapping, width=7, delimiter=",")
        for line, values in rows[:4]
    ]
    services._import_batch(lead_list, parsed, {}, {})
    lead_list = services.lead_import_run(lead_list_id=lead_list.pk, batch_size=3)
    assert (lead_list.imported_count, lead_list.duplicate_count, lead_list.processed_rows) == (
        10,
        0,
        10,
    )
    assert Lead.objects.count() == 10
    # A third delivery after completion changes nothing.
    assert services.lead_import_run(lead_list_id=lead_list.pk).imported_count == 10


def test_two_thousand_rows_import_in_batches_with_a_complete_report(marketer):
    lines = [HEADER]
    for n in range(2000):
        email = "broken" if n % 100 == 7 else f"p{n % 1900}@bulk.example"
        lines.append(f"F{n},L{n},{email},Company {n % 50},CFO,,\n")
    lead_list = run_import(marketer, "".join(lines))
    assert lead_list.imported_count == 1881
    assert lead_list.rejected_count == 20
    assert lead_list.duplicate_count == 99
    assert lead_list.rejections.count() == 119
    assert lead_list.percent_done == 100


# --- the pages ----------------------------------------------------------------------


def test_marketer_uploads_maps_previews_and_runs_an_import(
    client_for, marketer, django_capture_on_commit_callbacks
):
    client = client_for(marketer)
    content = "Vorname;Nachname;Work Email;Firma\nAda;Lovelace;ada@x.example;Engines\nB;C;bad;X\n"
    response = client.post(
        reverse("leads:imports"),
        {"file": upload(content, encoding="latin-1"), "source": "Messe Berlin"},
    )
    lead_list = LeadList.objects.get()
    assert response.url == reverse("leads:import_detail", args=[lead_list.pk])

    page = client.get(response.url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "ada@x.example" in text and "is not a valid email address" in text  # preview

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            response.url,
            {"email": "2", "first_name": "0", "last_name": "1", "company": "3", "action": "start"},
        )
    assert response.status_code == 302
    # The Celery task is enqueued after the commit (the other callbacks are not tasks:
    # e.g. a notification's cached unread count dropped after the commit).
    assert len([c for c in callbacks if "enqueue" in c.__qualname__]) == 1
    lead_list.refresh_from_db()
    assert (lead_list.status, lead_list.imported_count, lead_list.rejected_count) == ("done", 1, 1)
    report = client.get(response.url).content.decode()
    assert "Line" in report and "is not a valid email address" in report

    csv_response = client.get(reverse("leads:import_rejections_csv", args=[lead_list.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(csv_response.streaming_content).decode())))
    assert rows[0] == ["\ufeffline", "result", "reason", "email", "row"]
    assert rows[1][:2] == ["3", "Rejected"]


def test_the_upload_form_keeps_the_fields_and_says_why_a_file_is_refused(client_for, marketer):
    response = client_for(marketer).post(
        reverse("leads:imports"),
        {"file": upload(b"", name="empty.csv"), "name": "Spring list", "source": "Vendor"},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "The submitted file is empty" in text or "The file is empty" in text
    assert 'value="Spring list"' in text


def test_the_progress_partial_polls_until_done_then_refreshes(client_for, marketer):
    lead_list = services.lead_import_create(
        user=marketer, uploaded_file=upload(HEADER + "A,B,a@x.example,X,,,\n")
    )
    LeadList.objects.filter(pk=lead_list.pk).update(status="running", processed_rows=0)
    client = client_for(marketer)
    url = reverse("leads:import_detail", args=[lead_list.pk])
    headers = {"HX-Request": "true", "HX-Target": "import-progress"}
    partial = client.get(url, headers=headers)
    assert b'hx-trigger="every 1s"' in partial.content and b"<html" not in partial.content
    LeadList.objects.filter(pk=lead_list.pk).update(status="done")
    assert client.get(url, headers=headers).headers["HX-Refresh"] == "true"


@pytest.mark.parametrize("persona", ["rep_a", "manager_a"])
def test_only_marketing_imports(request, client_for, persona):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("leads:imports")).status_code == 403


# --- the shell command --------------------------------------------------------------


def test_the_command_prints_the_report_and_the_counts_add_up(tmp_path, capsys, db):
    LeadFactory(email="known@x.example")
    path = tmp_path / "list.csv"
    path.write_text(
        HEADER + "A,One,a@x.example,X,,,\nK,N,known@x.example,X,,,\n"
        "B,Bad,nope,X,,,\nA,Two,a@x.example,X,,,\n"
    )
    call_command("import_leads", str(path), "--source", "CLI vendor", "--list", "Q3 list")
    out = capsys.readouterr().out
    assert "rows:       4" in out
    assert "imported:   1" in out
    assert "duplicates: 2" in out
    assert "rejected:   1" in out
    assert "line 3: duplicate: A lead with this email already exists." in out
    assert "line 4: rejected: “nope” is not a valid email address." in out
    assert "line 5: duplicate: Same email as line 2 of this file." in out
    assert Lead.objects.get(email="a@x.example").source == "CLI vendor"
    assert LeadList.objects.get(name="Q3 list").imported_count == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"", "empty"), (b"Name,Company\nA,B\n", "No Email column")],
)
def test_the_command_fails_only_when_the_file_cannot_be_read(tmp_path, db, content, message):
    path = tmp_path / "list.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_leads", str(path))
    assert not ImportRejection.objects.exists()
