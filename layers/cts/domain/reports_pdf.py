"""The monthly report as a PDF (``GET /reports/monthly.pdf``): the overview with a bar chart of the daily series,
the hit rates and the workload of one month.

Written directly as PDF 1.4 (A4 pages, the standard Helvetica fonts, text and rectangles): a few pages of figures
need no PDF library in the Lambda layer. Text outside Latin-1 is shown as ``?``. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 595, 842  # A4 in points
MARGIN = 50


def _text(value: object) -> str:
    raw = "" if value is None else str(value)
    safe = raw.encode("latin-1", errors="replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("\r", " ").replace("\n", " ")


@dataclass
class _Pages:
    pages: list[list[str]] = field(default_factory=lambda: [[]])
    y: float = HEIGHT - MARGIN

    def need(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.pages.append([])
            self.y = HEIGHT - MARGIN

    def line(self, text: str, size: float = 10, bold: bool = False, x: float = MARGIN, gap: float = 4) -> None:
        self.need(size + gap)
        self.y -= size + gap
        font = "F2" if bold else "F1"
        self.pages[-1].append(f"BT /{font} {size} Tf {x:.1f} {self.y:.1f} Td ({_text(text)}) Tj ET")

    def row(self, cells: Sequence[object], widths: Sequence[float], size: float = 8, bold: bool = False) -> None:
        self.need(size + 3)
        self.y -= size + 3
        font = "F2" if bold else "F1"
        x = float(MARGIN)
        for cell, width in zip(cells, widths, strict=False):
            text = _text(cell)
            limit = max(3, int(width / (size * 0.5)))
            if len(text) > limit:
                text = text[: limit - 1] + "."
            self.pages[-1].append(f"BT /{font} {size} Tf {x:.1f} {self.y:.1f} Td ({text}) Tj ET")
            x += width

    def bars(self, values: Sequence[float], height: float = 120) -> None:
        """A bar per value, scaled to the largest, with the axis and its maximum."""
        self.need(height + 20)
        bottom = self.y - height - 6
        top = max(values) if values and max(values) > 0 else 1
        width = (WIDTH - 2 * MARGIN) / max(len(values), 1)
        ops = ["0.2 0.4 0.7 rg"]
        for i, value in enumerate(values):
            bar = height * value / top
            if bar > 0:
                ops.append(f"{MARGIN + i * width + 1:.1f} {bottom:.1f} {max(width - 2, 0.5):.1f} {bar:.1f} re f")
        ops += ["0 0 0 rg", "0.5 w", f"{MARGIN} {bottom:.1f} m {WIDTH - MARGIN} {bottom:.1f} l S"]
        ops.append(f"BT /F1 7 Tf {MARGIN:.1f} {bottom + height + 2:.1f} Td (max {_text(f'{top:g}')}) Tj ET")
        self.pages[-1] += ops
        self.y = bottom - 4


def _document(pages: Sequence[Sequence[str]]) -> bytes:
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages are numbered
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for number, ops in enumerate(pages, start=1):
        footer = f"BT /F1 7 Tf {WIDTH - MARGIN - 40} 30 Td (page {number} of {len(pages)}) Tj ET"
        stream = "\n".join([*ops, footer]).encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> "
            b"/Contents %d 0 R >>" % (WIDTH, HEIGHT, content)
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(kids)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def monthly_pdf(
    title: str,
    overview: Mapping[str, object],
    hit_rates: Mapping[str, object],
    workload: Mapping[str, object],
    generated: str,
) -> bytes:
    """The month's report: totals, alerts by level and category, the daily alerts and examinations as bars, the
    time figures, the profiles ranked by yield with the baseline, and the workload per officer."""
    doc = _Pages()
    doc.line(title, size=16, bold=True)
    period = overview.get("period") or {}
    assert isinstance(period, Mapping)
    doc.line(f"Period {period.get('from')} to {period.get('to')}; generated {generated}", size=9)
    doc.line("Totals", size=12, bold=True, gap=10)
    totals = overview.get("totals") or {}
    assert isinstance(totals, Mapping)
    for name, value in totals.items():
        doc.line(f"{name.replace('_', ' ')}: {value}", size=9, x=MARGIN + 10, gap=2)
    for heading, key in (("Alerts by level", "alerts_by_level"), ("Alerts by category", "alerts_by_category")):
        doc.line(heading, size=12, bold=True, gap=10)
        counts = overview.get(key) or {}
        assert isinstance(counts, Mapping)
        for name, value in counts.items():
            doc.line(f"{name}: {value}", size=9, x=MARGIN + 10, gap=2)
        if not counts:
            doc.line("none", size=9, x=MARGIN + 10, gap=2)
    series = overview.get("series") or []
    assert isinstance(series, list)
    for name in ("alerts", "examinations"):
        doc.line(f"{name.capitalize()} per day", size=12, bold=True, gap=10)
        doc.bars([float(day.get(name, 0)) for day in series])
    for heading, key, figures in (
        ("Lead time of alerts before arrival", "lead_time", ("alerts", "median_hours", "p10_hours", "after_arrival")),
        ("Time from alert to decision", "decision_time", ("decided", "median_hours", "p90_hours")),
    ):
        doc.line(heading, size=12, bold=True, gap=10)
        block = overview.get(key) or {}
        assert isinstance(block, Mapping)
        doc.line(", ".join(f"{f.replace('_', ' ')}: {block.get(f)}" for f in figures), size=9, x=MARGIN + 10)
    doc.line("Hit rates per profile", size=12, bold=True, gap=14)
    baseline = hit_rates.get("baseline") or {}
    assert isinstance(baseline, Mapping)
    doc.line(
        f"Random selection baseline: {baseline.get('findings')} findings in {baseline.get('examinations')} "
        f"examinations, hit rate {baseline.get('hit_rate')}",
        size=9,
    )
    widths: tuple[int, ...] = (150, 45, 60, 50, 50, 50, 90)
    doc.row(("profile", "hits", "examinations", "findings", "hit rate", "vs base", "review"), widths, bold=True)
    rows = hit_rates.get("rows") or []
    assert isinstance(rows, list)
    for row in rows:
        doc.row(
            (
                row.get("name"),
                row.get("hits"),
                row.get("examinations"),
                row.get("findings"),
                row.get("hit_rate"),
                row.get("vs_baseline"),
                row.get("review") or "",
            ),
            widths,
        )
    doc.line("Workload per officer", size=12, bold=True, gap=14)
    widths = (170, 60, 60, 60, 60, 90)
    doc.row(("officer", "open", "overdue", "decided", "closed", "median decision h"), widths, bold=True)
    officers = workload.get("officers") or []
    assert isinstance(officers, list)
    for officer in officers:
        doc.row(
            (
                officer.get("officer"),
                officer.get("open"),
                officer.get("overdue"),
                officer.get("decided"),
                officer.get("closed"),
                officer.get("median_decision_hours"),
            ),
            widths,
        )
    return _document(doc.pages)
