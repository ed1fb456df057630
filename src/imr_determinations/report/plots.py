"""Report plots: matplotlib (Agg) drawn to SVG text for inlining, so the report needs no network."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .queries import Table  # noqa: E402

plt.rcParams.update({
    "svg.fonttype": "none",  # text stays text: smaller files, selectable labels
    "svg.hashsalt": "imr-report",  # stable element ids, so a report diffs cleanly
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
})
BLUE, ORANGE = "#3a6ea5", "#d9822b"


def _svg(fig: plt.Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _label(value: object, width: int = 38) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _barh(ax: plt.Axes, labels: list[str], values: list[float], err: list[list[float]], color: str) -> None:
    """Bars at numeric positions: two values whose shortened labels coincide keep a bar each
    (matplotlib would merge equal category labels into one)."""
    ys = range(len(labels))
    ax.barh(ys, values, xerr=err, color=color, ecolor="#444", capsize=2)
    ax.set_yticks(ys, labels)
    ax.set_ylim(-0.6, len(labels) - 0.4)


def rate_bars(table: Table) -> str:
    """Horizontal bars of the overturn rate with 95% Wilson intervals, item counts at the bar ends."""
    rows = [r for r in table.rows if r[5] is not None]
    labels = [_label(r[0]) for r in rows][::-1]
    rates = [100 * r[5] for r in rows][::-1]
    lows = [100 * (r[5] - r[6]) for r in rows][::-1]
    highs = [100 * (r[7] - r[5]) for r in rows][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(rows) + 0.9))
    _barh(ax, labels, rates, [lows, highs], BLUE)
    for y, r in enumerate(rows[::-1]):
        ax.text(100 * r[7] + 1, y, f"n={r[3]:,}", va="center", fontsize=7, color="#555")
    ax.set_xlabel("overturn rate, % (95% Wilson interval)")
    ax.set_xlim(0, 100)
    return _svg(fig)


def trend(table: Table) -> str:
    """Item counts (bars) and overturn rate with its interval band (line) over an ordered key."""
    rows = [r for r in table.rows if r[0] != "(none)"]
    xs = [str(r[0]) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 2.8))
    ax.bar(xs, [r[1] for r in rows], color="#c9d6e6", label="items")
    ax.set_ylabel("items")
    ax2 = ax.twinx()
    pos = [i for i, r in enumerate(rows) if r[5] is not None]
    ax2.plot(pos, [100 * rows[i][5] for i in pos], color=ORANGE, marker="o", markersize=3,
             label="overturn rate")
    ax2.fill_between(pos, [100 * rows[i][6] for i in pos], [100 * rows[i][7] for i in pos],
                     color=ORANGE, alpha=0.2, linewidth=0)
    ax2.set_ylabel("overturn rate, %")
    ax2.set_ylim(0, 100)
    step = max(1, len(xs) // 16)
    ax.set_xticks(range(0, len(xs), step), xs[::step], rotation=45, ha="right")
    ax.set_xlabel(table.columns[0])
    return _svg(fig)


def count_bars(table: Table) -> str:
    """Vertical bars of letters per value (items per letter)."""
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.bar([str(r[0]) for r in table.rows], [r[1] for r in table.rows], color=BLUE)
    ax.set_xlabel(table.columns[0])
    ax.set_ylabel(table.columns[1])
    return _svg(fig)


def agreement_bars(table: Table) -> str:
    """Agreement share per category with 95% intervals."""
    rows = table.rows
    labels = [_label(r[0]) for r in rows][::-1]
    shares = [100 * r[3] for r in rows][::-1]
    err = [[100 * (r[3] - r[4]) for r in rows][::-1], [100 * (r[5] - r[3]) for r in rows][::-1]]
    fig, ax = plt.subplots(figsize=(7, 0.28 * len(rows) + 0.9))
    _barh(ax, labels, shares, err, ORANGE)
    ax.set_xlabel("reviewer cites the claims administrator's guideline id, % (95% Wilson interval)")
    ax.set_xlim(0, 100)
    return _svg(fig)


CHARTS = {"rate": rate_bars, "trend": trend, "count": count_bars, "pair": agreement_bars}


def chart(table: Table) -> str | None:
    """The table's SVG, or None when it has no chart or nothing to draw."""
    draw = CHARTS.get(table.chart or "")
    if draw is None or not table.rows:
        return None
    if table.chart in ("rate", "trend") and all(r[0] == "(none)" or r[5] is None for r in table.rows):
        return None
    return draw(table)
