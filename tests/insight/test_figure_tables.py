"""The numbers' table under each chart is written in Python (insight.charts.svg.Figure):
every cell escaped, the first one a row header, numbers formatted as on the chart."""

from decimal import Decimal

from insight.charts.svg import Figure


def test_the_table_escapes_every_cell_and_marks_the_row_headers():
    figure = Figure(
        key="breaches-rep", title="SLA breaches", description="", svg="",
        headers=["<i>Salesperson</i>", "Breaches", "Won"],
        rows=[["Bo <script>alert(1)</script>", 1200, Decimal("1500.50")], ["Ann", None, 2.25]],
    )  # fmt: skip
    assert figure.table_html() == (
        '<thead><tr><th scope="col">&lt;i&gt;Salesperson&lt;/i&gt;</th>'
        '<th scope="col" class="num">Breaches</th><th scope="col" class="num">Won</th></tr>'
        "</thead>\n<tbody>\n"
        '<tr><th scope="row">Bo &lt;script&gt;alert(1)&lt;/script&gt;</th>'
        '<td class="num">1,200</td><td class="num">1,500.50</td></tr>\n'
        '<tr><th scope="row">Ann</th><td class="num">–</td><td class="num">2.2</td></tr>\n'
        "</tbody>"
    )
