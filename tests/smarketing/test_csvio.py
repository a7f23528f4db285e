"""Every CSV the portal serves goes through one writer that neutralises formulas.

A cell that a spreadsheet would run (it starts with =, +, -, @, a tab or a carriage
return) is text someone else typed: a vendor's list, a rep's note. It is written with a
leading apostrophe, so the spreadsheet shows it as text.
"""

import csv
import io

import pytest
from django.urls import reverse

from leads import services
from smarketing import csvio
from tests.leads.test_import import upload


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(start):
    assert csvio.safe_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


def test_other_cells_are_written_as_they_are():
    assert [csvio.safe_cell(v) for v in ("plain", 3, -2, None, "")] == ["plain", 3, -2, "", ""]


def test_the_rejected_rows_of_an_import_are_neutralised(client, marketer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = 'Email,Company\n=HYPERLINK("http://evil.example"),@SUM(1)\n+1,-2\n'
    lead_list = services.lead_import_create(user=marketer, uploaded_file=upload(content))
    services.lead_import_start(lead_list=lead_list, user=marketer)
    services.lead_import_run(lead_list_id=lead_list.pk)
    client.force_login(marketer)
    response = client.get(reverse("leads:import_rejections_csv", args=[lead_list.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["line", "result", "reason", "email", "row"]
    cells = [cell for row in rows[1:] for cell in row]
    assert cells, rows
    assert not [cell for cell in cells if cell.startswith(csvio.FORMULA_STARTS)], cells
    assert '\'=HYPERLINK("http://evil.example"),@SUM(1)' in cells  # the row as it came
