"""The report's charts: matplotlib's Agg canvas, PNG bytes that depend on the figures only.

Determinism: a fixed figure size and resolution, the DejaVu Sans font matplotlib ships
(no system font lookup), fixed colours, no timestamp or software name in the PNG's
metadata, and a Figure made directly (no pyplot: no global state shared between threads).
"""

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

WIDTH_IN, HEIGHT_IN = 6.3, 3.4  # 16 × 8.6 cm: the text width of an A4 page with 2.5 cm margins
DPI = 120
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "reports",
    "path.simplify": False,
}
# One colour per request kind and per tone, in a fixed order.
KIND_COLOURS = ("#1f5f8b", "#e08a1e", "#6a3d9a", "#2e8b57")
TONE_COLOURS = {"positive": "#2e8b57", "neutral": "#8a8f98", "negative": "#b3261e"}
EMPTY = "Sin datos en el periodo"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _short(name: str, limit: int = 34) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def requests_by_unit_chart(received: dict) -> bytes:
    """Horizontal stacked bars: requests received per unit, one colour per kind."""
    rows = received["by_unit"]
    kinds = received["kinds"]
    with rc_context(STYLE):
        height = max(HEIGHT_IN, 1.2 + 0.3 * len(rows))
        figure = Figure(figsize=(WIDTH_IN, height))
        # Fixed margins (room for unit names of up to 34 characters): a constrained layout
        # would draw everything twice.
        figure.subplots_adjust(left=0.4, right=0.97, top=1 - 0.35 / height, bottom=0.85 / height)
        axes = figure.add_subplot()
        axes.set_title("Solicitudes recibidas por unidad y tipo")
        names = [_short(row["unit"]) for row in rows][::-1]
        left = [0] * len(rows)
        for colour, (kind, label) in zip(KIND_COLOURS, kinds, strict=False):
            values = [row["counts"][kind] for row in rows][::-1]
            axes.barh(names, values, left=left, color=colour, label=label, height=0.6)
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("Solicitudes")
        if not received["total"]:
            axes.set_xlim(0, 1)
            axes.text(0.5, 0.5, EMPTY, transform=axes.transAxes, ha="center", va="center", color="#555555")
        figure.legend(loc="lower center", ncols=len(kinds), fontsize=7, frameon=False, bbox_to_anchor=(0.5, 0.0))
        return _png(figure)


def coverage_by_tone_chart(coverage: dict) -> bytes:
    """Vertical bars: coverage found in the media by tone."""
    tones = [tone for tone, _label in coverage["tones"]]
    values = [coverage["by_tone"][tone] for tone in tones]
    with rc_context(STYLE):
        figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN))
        figure.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.1)
        axes = figure.add_subplot()
        axes.set_title("Cobertura en medios por tono")
        labels = [label for _tone, label in coverage["tones"]]
        bars = axes.bar(labels, values, color=[TONE_COLOURS[tone] for tone in tones], width=0.55)
        axes.bar_label(bars, labels=[str(value) for value in values], padding=2)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_ylabel("Notas y menciones")
        axes.set_ylim(0, max([*values, 1]) * 1.2)
        if not coverage["total"]:
            axes.text(0.5, 0.5, EMPTY, transform=axes.transAxes, ha="center", va="center", color="#555555")
        return _png(figure)
