"""`report --html`: the chart's geometry, the legend, nothing that reaches outside the page, names escaped;
and, where a real browser is installed, the page rendered in it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from halosync.core.report import Price, Report, Series
from halosync.formats.report_html import PLOT_H, TOP, chart, html_chunks, nice_max, sparkline_svg

MONTHS = ["2026-01", "2026-02", "2026-03"]


def page(report: Report) -> str:
    return "".join(html_chunks(report, Path("/var/log/results.jsonl")))


def sample(money: bool = False) -> Report:
    series = [
        Series(12, "Acme <Dental> & \"Sons\"", "edr", [40, 44, 50], [40, 44, 50], 38, Price(6.0, 3.5)),
        Series(13, "Bob's Bakery", "edr", [3, None, 5], [3, None, 5], None, Price(6.0, 3.5)),
        Series(12, "Acme <Dental> & \"Sons\"", "sat", [10, 12, 12], [10, 12, 12], 10, Price(2.5, None)),
        Series(14, "<script>alert(1)</script>", "siem", [0, 7, 2], [0, 7, 2], None, None),
        Series(15, "Ispm Ltd", "ispm", [1, 1, 1], [1, 1, 1], 1, None),
    ]
    return Report(MONTHS, series, money=money)


def test_bar_heights_are_proportional_to_the_units_and_stack_from_the_axis():
    report = sample()
    svg = chart(report.months, report.totals())
    rects = [(m, p, int(u), float(y), float(h)) for m, body in re.findall(r'data-month="([\d-]+)">(.*?)</g>', svg, re.S)
             for y, h, p, u in re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)" fill="#\w+" '
                                          r'data-product="(\w+)" data-units="(\d+)"', body)]
    totals = {(t["month"], t["product"]): t["billed_units"] for t in report.totals() if t["billed_units"]}
    assert {(m, p): u for m, p, u, _, _ in rects} == totals
    tallest = max(sum(u for (m2, _), u in totals.items() if m2 == m) for m in MONTHS)
    top = nice_max(tallest)
    assert (tallest, top) == (70, 80)  # March: 50 + 5 + 12 + 2 + 1; the axis ends at a round 80
    for _, _, units, _, height in rects:
        assert height == pytest.approx(units * PLOT_H / top, abs=0.002)
    for month in MONTHS:  # each bar stacks without gaps, from the axis up
        mine = sorted((y, h) for m, _, _, y, h in rects if m == month)  # top of the stack first
        assert mine[-1][0] + mine[-1][1] == pytest.approx(TOP + PLOT_H, abs=0.01)
        for (y1, h1), (y2, _) in zip(mine, mine[1:], strict=False):
            assert y1 + h1 == pytest.approx(y2, abs=0.01)


def test_a_legend_entry_for_every_product_in_the_colour_of_its_bars():
    report = sample()
    svg = chart(report.months, report.totals())
    legend = dict(re.findall(r'<g class="entry" data-product="(\w+)"><rect [^>]*fill="(#\w+)"', svg))
    bars = dict(re.findall(r'fill="(#\w+)" data-product="(\w+)"', svg))
    assert set(legend) == {"edr", "sat", "siem", "ispm"}
    assert {product: colour for colour, product in bars.items()} == legend
    assert "Managed EDR (edr)" in svg and "Managed ISPM (ispm)" in svg


def test_the_page_is_self_contained_and_escapes_names():
    html = page(sample(money=True))
    assert "<script" not in html.replace("&lt;script", "")
    assert not re.search(r"""(?:href|src)\s*=|url\(|@import|<link|<iframe|<object|<embed""", html, re.I)
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Acme &lt;Dental&gt; &amp; &quot;Sons&quot;" in html
    assert "Estimated:" in html and "today&#x27;s prices" in html


def test_a_sparkline_per_client_and_product_and_money_per_customer_and_month():
    html = page(sample(money=True))
    customers = html.split("<h2>Customers")[1].split("</table>")[0]
    assert customers.count('<svg class="s"') == 5
    assert sparkline_svg([0, 7, 2]) == '<svg class="s" viewBox="0 0 8 20"><path d="M0 20L4 0L8 14"/></svg>'
    assert sparkline_svg([3, None, 5]) == '<svg class="s" viewBox="0 0 8 20"><path d="M0 8M8 0"/></svg>'  # from 0
    money = html.split("Revenue, cost and margin per customer and month")[1]
    found = re.search(r'Acme &lt;Dental&gt; &amp; &quot;Sons&quot;</td><td>12</td>(.*?)</tr>', money)
    assert found is not None
    acme = found.group(1)
    # March: EDR 50 × 6.00 = 300.00 revenue, 50 × 3.50 = 175.00 cost; SAT 12 × 2.50 = 30.00 revenue, no cost
    assert "<td>330.00<br>175.00<br>125.00</td>" in acme


def test_one_month_draws_no_sparkline_and_says_month_not_months():
    html = page(Report(["2026-03"], [Series(12, "Acme", "edr", [42], [42], None, None)]))
    assert sparkline_svg([42]) == ""
    customers = html.split("<h2>Customers")[1].split("</table>")[0]
    assert '<svg class="s"' not in customers and ">42<" in customers.replace(" ", "")
    assert "1 months" not in html and "over the month" in html


def test_no_history_makes_a_page_that_says_so():
    html = page(Report([], []))
    assert "No completed sync is recorded yet" in html and html.rstrip().endswith("</html>")


def test_ten_thousand_clients_make_a_page_of_a_few_megabytes():
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    series = [Series(c, f"Customer {c:05d}", p, list(range(c % 50, c % 50 + 12)), list(range(c % 50, c % 50 + 12)),
                     None, None) for c in range(10_000) for p in ("edr", "itdr", "sat", "siem")]
    size = len(page(Report(months, series)).encode())
    assert size < 10_000_000, size  # about 150 bytes per client and product


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: the geometry tests above still ran")
def test_the_page_renders_in_a_real_browser_offline(tmp_path):
    target = tmp_path / "report.html"
    target.write_text(page(sample(money=True)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([str(CHROMIUM), *flags, "--dump-dom", target.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count('<g class="entry"') == 4 and "Bob's Bakery" in dom.stdout
    done = subprocess.run([str(CHROMIUM), *flags, f"--screenshot={shot}", "--window-size=1200,1600", target.as_uri()],
                          capture_output=True, timeout=120)
    assert done.returncode == 0 and shot.stat().st_size > 10_000
    pdf = tmp_path / "report.pdf"  # and it prints
    subprocess.run([str(CHROMIUM), *flags, f"--print-to-pdf={pdf}", target.as_uri()], capture_output=True, timeout=120)
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_a_product_name_from_the_log_never_becomes_markup():
    odd = 'x" onmouseover="alert(1)'
    html = page(Report(MONTHS, [Series(12, "A", odd, [1, 2, 3], [1, 2, 3], None)]))
    assert 'onmouseover="' not in html and "x&quot; onmouseover=&quot;alert(1)" in html


def test_the_axis_ends_at_a_round_number_near_the_tallest_bar():
    assert [nice_max(v) for v in (0, 1, 7, 10, 11, 114, 130, 250, 301, 999, 1_377_749)] == [
        1, 1, 8, 10, 12, 120, 160, 300, 400, 1000, 1_600_000]


def test_the_axis_has_room_for_its_largest_value():
    totals = [{"month": "2026-01", "product": "edr", "billed_units": 1_377_749}]
    svg = chart(["2026-01"], totals)
    labels = re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end">([\d,.]+)</text>', svg)
    assert "1,600,000" in [text for _, text in labels]
    for x, text in labels:  # about 7 user units a character at the page's 12px
        assert float(x) >= 7 * len(text), (x, text)
