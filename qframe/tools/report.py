"""report.html: one self-contained page presenting a :class:`~qframe.tools.compare.Comparison`.

Charts are drawn by plotly.js, embedded once inline (the page needs no network); tables are plain
HTML. The page is deterministic: the same comparison gives byte-identical HTML (fixed chart ids,
no timestamps, numbers rounded before they are written).

For checking in a browser, the page records on ``<body>``: ``data-charts-expected`` (how many
charts it holds), ``data-charts-rendered`` (how many plotly has drawn) and ``data-errors``
(script errors, failed resource loads, rejected promises and ``console.error`` messages, joined
by `` | ``; empty when there were none).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qframe.errors.diagnostics import output_folder

if TYPE_CHECKING:
    from qframe.tools.compare import Comparison

# Okabe–Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
LEVEL_COLOURS = ("#FDD49E", "#FC8D59", "#D7301F", "#7F0000", "#3F0000")
HEIGHT = 440
MAX_LIST_ROWS = 50

CAPTURE_SCRIPT = """
(function () {
  var errors = [];
  function record(message) {
    errors.push(String(message));
    var target = document.body || document.documentElement;
    target.setAttribute("data-errors", errors.join(" | "));
  }
  window.qframeErrors = errors;
  window.onerror = function (message, source, line, column) {
    record(message + " (" + (source || "page") + ":" + line + ":" + column + ")");
  };
  window.addEventListener("error", function (event) {
    var t = event.target;
    if (t && t !== window && (t.src || t.href)) { record("could not load " + (t.src || t.href)); }
  }, true);
  window.addEventListener("unhandledrejection", function (event) {
    record("unhandled rejection: " + (event.reason && event.reason.message || event.reason));
  });
  var consoleError = console.error;
  console.error = function () {
    record("console.error: " + Array.prototype.join.call(arguments, " "));
    return consoleError.apply(console, arguments);
  };
  window.qframeChartRendered = function (id) {
    var body = document.body;
    var n = parseInt(body.getAttribute("data-charts-rendered") || "0", 10) + 1;
    body.setAttribute("data-charts-rendered", String(n));
    var div = document.getElementById(id);
    if (div) { div.setAttribute("data-rendered", "1"); }
  };
})();
"""

FINISH_SCRIPT = """
(function () {
  var body = document.body;
  body.setAttribute("data-errors", (window.qframeErrors || []).join(" | "));
  body.setAttribute("data-page-ready", "1");
})();
"""

STYLE = """
:root { --ink: #1f2933; --muted: #52606d; --rule: #d9e2ec; --band: #f5f7fa; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: var(--ink); background: #fff; }
header { background: #102a43; color: #fff; padding: 24px 40px 20px; }
header h1 { margin: 0 0 6px; font-size: 26px; font-weight: 600; }
header p { margin: 2px 0; color: #d9e2ec; }
header strong { color: #fff; }
nav { position: sticky; top: 0; z-index: 10; background: #fff; border-bottom: 1px solid var(--rule);
  padding: 8px 40px; font-size: 14px; }
nav a { color: var(--accent); margin-right: 18px; text-decoration: none; }
main { max-width: 1280px; margin: 0 auto; padding: 8px 40px 40px; }
section { margin: 28px 0 8px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--rule); padding-bottom: 4px; margin: 0 0 10px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.lead, p.note { color: var(--muted); margin: 4px 0 10px; max-width: 1000px; }
p.note { font-style: italic; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--rule); border-top: 4px solid var(--c, var(--accent));
  border-radius: 4px; padding: 10px 14px; min-width: 220px; flex: 1; background: #fff; }
.card .label { font-weight: 600; }
.card .value { font-size: 22px; font-weight: 600; }
.card .sub { color: var(--muted); font-size: 13px; }
.chart { border: 1px solid var(--rule); border-radius: 4px; margin: 8px 0 14px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
@media (max-width: 1000px) { .two { grid-template-columns: 1fr; } }
.table-wrap { overflow-x: auto; margin: 6px 0 14px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--rule); text-align: right;
  white-space: nowrap; }
th { background: var(--band); font-weight: 600; position: sticky; top: 0; }
td.text, th.text { text-align: left; }
tr.baseline td { background: #eef6fc; }
dl.about { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; font-size: 13px; }
dl.about dt { font-weight: 600; }
dl.about dd { margin: 0; word-break: break-all; }
footer { color: var(--muted); font-size: 12px; padding: 16px 40px 30px; border-top: 1px solid var(--rule); }
"""


# ---------------------------------------------------------------- formatting


def money(v: Any, sign: bool = False) -> str:
    if v is None or pd.isna(v):
        return "–"
    text = f"£{abs(float(v)):,.0f}"
    if float(v) < 0:
        return "−" + text
    return ("+" if sign and float(v) > 0 else "") + text


def pounds(v: Any, sign: bool = False) -> str:
    """Payment per patient: pounds and pence."""
    if v is None or pd.isna(v):
        return "–"
    text = f"£{abs(float(v)):,.2f}"
    if float(v) < 0:
        return "−" + text
    return ("+" if sign and float(v) > 0 else "") + text


def share(v: Any) -> str:
    return "–" if v is None or pd.isna(v) else f"{float(v):.1%}"


def number(v: Any, places: int = 3) -> str:
    return "–" if v is None or pd.isna(v) else f"{float(v):.{places}f}"


def count(v: Any) -> str:
    return "–" if v is None or pd.isna(v) else f"{int(v):,}"


def text(v: Any) -> str:
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


@dataclass(frozen=True)
class Col:
    key: str
    title: str
    fmt: Callable[[Any], str] = text
    is_text: bool = False


def table(
    frame: pd.DataFrame, cols: Sequence[Col], highlight: Callable[[Any], bool] | None = None
) -> str:
    head = "".join(
        f'<th class="text">{html.escape(c.title)}</th>'
        if c.is_text
        else f"<th>{html.escape(c.title)}</th>"
        for c in cols
    )
    body = []
    for _, row in frame.iterrows():
        cells = "".join(
            f'<td class="text">{html.escape(c.fmt(row[c.key]))}</td>'
            if c.is_text
            else f"<td>{html.escape(c.fmt(row[c.key]))}</td>"
            for c in cols
        )
        cls = ' class="baseline"' if highlight is not None and highlight(row) else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _round(values: Any, places: int) -> np.ndarray:
    """Numbers for a chart: float64, rounded (smaller and stable in the page; plotly writes
    numpy arrays compactly)."""
    return np.round(np.asarray(values, dtype=np.float64), places)


# ---------------------------------------------------------------- charts


class Charts:
    """Builds the page's plotly charts with fixed ids; the first one carries no plotly.js (it is
    embedded once in the page head)."""

    def __init__(self) -> None:
        self.count = 0

    def render(self, fig: Any, name: str, height: int = HEIGHT, subplots: bool = False) -> str:
        import plotly.io as pio

        self.count += 1
        # the title at the top of the frame, the legend between it and the plot (above the
        # subplot titles when there are some)
        fig.update_layout(
            template="plotly_white",
            height=height,
            margin={"l": 70, "r": 30, "t": 110 if subplots else 90, "b": 60},
            font={"family": "Arial, sans-serif", "size": 13},
            title={"x": 0.01, "xanchor": "left", "y": 0.985, "yanchor": "top"},
            legend={
                "orientation": "h",
                "yanchor": "bottom",
                "y": 1.1 if subplots else 1.02,
                "x": 0,
            },
        )
        div = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=f"chart-{name}",
            default_height=f"{height}px",
            default_width="100%",
            config={"displaylogo": False, "responsive": True},
            post_script="window.qframeChartRendered('{plot_id}');",
            validate=True,
        )
        return f'<div class="chart">{div}</div>'


def _colours(labels: Sequence[str]) -> dict[str, str]:
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}


def _cost_chart(c: Comparison, charts: Charts, colours: dict[str, str]) -> str:
    import plotly.graph_objects as go

    f = c.frameworks
    fig = go.Figure(
        go.Bar(
            x=f["framework"].tolist(),
            y=_round(f["total_cost"], 2),
            marker_color=[colours[x] for x in f["framework"]],
            text=[money(v) for v in f["total_cost"]],
            textposition="outside",
            customdata=[[pounds(v)] for v in f["cost_per_patient"]],
            hovertemplate="%{x}<br>total %{text}<br>%{customdata[0]} per patient<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Total cost, {c.period}", yaxis_title="£ paid to all practices", showlegend=False
    )
    fig.update_yaxes(tickprefix="£", rangemode="tozero")
    return charts.render(fig, "cost")


def _distribution_chart(c: Comparison, charts: Charts, colours: dict[str, str]) -> str:
    import plotly.graph_objects as go

    fig = go.Figure()
    p = c.practices
    for label in c.labels:
        f = p[p["framework"] == label]
        fig.add_trace(
            go.Box(
                y=_round(f["payment_per_patient"], 3),
                name=label,
                marker_color=colours[label],
                boxpoints="outliers",
                boxmean=True,
                text=[f"{n} ({u})" for n, u in zip(f["name"], f["unit_id"], strict=True)],
                hovertemplate="%{text}<br>£%{y:.2f} per patient<extra>" + label + "</extra>",
            )
        )
    fig.update_layout(
        title="Payment per patient, by practice",
        yaxis_title="£ per registered patient",
        showlegend=False,
    )
    fig.update_yaxes(tickprefix="£")
    return charts.render(fig, "distribution")


def _winners_chart(c: Comparison, charts: Charts, colours: dict[str, str]) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    others = [lb for lb in c.labels if lb != c.baseline]
    w = c.winners_losers
    w = w[w["by"] == "deprivation_quintile"]
    fig = make_subplots(
        rows=1,
        cols=len(others),
        shared_yaxes=True,
        subplot_titles=[f"{lb} against {c.baseline}" for lb in others],
        horizontal_spacing=0.06,
    )
    for i, label in enumerate(others, start=1):
        f = w[w["framework"] == label]
        groups = [f"Q{g}" for g in f["group"]]
        fig.add_trace(
            go.Bar(
                x=groups,
                y=f["gaining"].tolist(),
                name="gaining",
                marker_color="#1a9850",
                legendgroup="gaining",
                showlegend=i == 1,
                hovertemplate="deprivation %{x}: %{y} gaining<extra>" + label + "</extra>",
            ),
            row=1,
            col=i,
        )
        fig.add_trace(
            go.Bar(
                x=groups,
                y=[-v for v in f["losing"].tolist()],
                name="losing",
                marker_color="#d73027",
                legendgroup="losing",
                showlegend=i == 1,
                customdata=f["losing"].tolist(),
                hovertemplate="deprivation %{x}: %{customdata} losing<extra>" + label + "</extra>",
            ),
            row=1,
            col=i,
        )
        fig.update_xaxes(title_text="deprivation quintile", row=1, col=i)
    fig.update_layout(
        barmode="relative",
        title=f"Practices gaining or losing more than {c.threshold:.0%} against {c.baseline}",
    )
    fig.update_yaxes(title_text="practices (losing below zero)", row=1, col=1)
    return charts.render(fig, "winners-losers", height=480, subplots=True)


def _scatter_chart(c: Comparison, charts: Charts, colours: dict[str, str]) -> str:
    import plotly.graph_objects as go

    p = c.practices
    base = p[p["framework"] == c.baseline].set_index("unit_id")
    fig = go.Figure()
    points: list[tuple[np.ndarray, np.ndarray]] = []
    for label in c.labels:
        if label == c.baseline:
            continue
        f = p[p["framework"] == label]
        x = base["payment_per_patient"].reindex(f["unit_id"]).to_numpy(dtype=np.float64)
        y = f["payment_per_patient"].to_numpy(dtype=np.float64)
        points.append((x, y))
        fig.add_trace(
            go.Scatter(
                x=_round(x, 3),
                y=_round(y, 3),
                mode="markers",
                name=label,
                marker={"color": colours[label], "size": 6, "opacity": 0.7},
                text=[f"{n} ({u})" for n, u in zip(f["name"], f["unit_id"], strict=True)],
                hovertemplate="%{text}<br>"
                + c.baseline
                + " £%{x:.2f}<br>"
                + label
                + " £%{y:.2f}<extra></extra>",
            )
        )
    # the same range on both axes: the practices' values, and a little more
    everything = np.concatenate([np.concatenate(xy) for xy in points]) if points else np.zeros(0)
    everything = everything[np.isfinite(everything)]
    lo, hi = (float(everything.min()), float(everything.max())) if everything.size else (0.0, 1.0)
    pad = 0.04 * (hi - lo) if hi > lo else 1.0
    bottom, top = max(0.0, lo - pad), hi + pad
    for factor, dash, name in (
        (1.0, "solid", "same payment"),
        (1 + c.threshold, "dot", f"±{c.threshold:.0%}"),
        (1 - c.threshold, "dot", f"±{c.threshold:.0%}"),
    ):
        fig.add_trace(
            go.Scatter(
                x=[bottom, top],
                y=[bottom * factor, top * factor],
                mode="lines",
                line={"color": "#7b8794", "dash": dash, "width": 1},
                name=name,
                showlegend=factor <= 1.0,
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title=f"Payment per patient: each practice under {c.baseline} (x) and the others (y)",
        xaxis_title=f"£ per patient under {c.baseline}",
        yaxis_title="£ per patient under the other framework",
    )
    fig.update_xaxes(tickprefix="£", range=[bottom, top])
    fig.update_yaxes(tickprefix="£", range=[bottom, top])
    return charts.render(fig, "baseline-scatter", height=520)


def _equity_chart(c: Comparison, charts: Charts, colours: dict[str, str]) -> str:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    e = c.equity
    flagging = [r.label for r in c.runs if r.has_escalation]
    fig = make_subplots(
        rows=1,
        cols=2 if flagging else 1,
        subplot_titles=[
            "£ per patient (all payments ÷ all patients in the quintile)",
            *(["share of practices flagged (any escalation level)"] if flagging else []),
        ],
        horizontal_spacing=0.1,
    )
    for label in c.labels:
        f = e[e["framework"] == label]
        quintile = [f"Q{g}" for g in f["deprivation_quintile"]]
        fig.add_trace(
            go.Scatter(
                x=quintile,
                y=_round(f["payment_per_patient"], 3),
                mode="lines+markers",
                name=label,
                legendgroup=label,
                line={"color": colours[label], "width": 2.5},
                marker={"size": 9},
                hovertemplate="deprivation %{x}<br>£%{y:.2f} per patient<extra>"
                + label
                + "</extra>",
            ),
            row=1,
            col=1,
        )
        if label in flagging:
            fig.add_trace(
                go.Bar(
                    x=quintile,
                    y=_round(f["flag_rate"], 4),
                    name=label,
                    legendgroup=label,
                    showlegend=False,
                    marker_color=colours[label],
                    hovertemplate="deprivation %{x}<br>%{y:.1%} flagged<extra>"
                    + label
                    + "</extra>",
                ),
                row=1,
                col=2,
            )
    fig.update_layout(barmode="group", title="Equity by deprivation quintile")
    fig.update_xaxes(title_text="deprivation quintile")
    fig.update_yaxes(tickprefix="£", title_text="£ per registered patient", row=1, col=1)
    if flagging:
        fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=2)
    return charts.render(fig, "equity", height=480, subplots=True)


def _funnel_chart(c: Comparison, charts: Charts) -> str:
    import plotly.graph_objects as go

    f = c.funnel
    assert f is not None
    fig = go.Figure()
    above_nat = f["above_national_limit"].to_numpy(dtype=bool)
    above_cl = (
        f["above_cluster_limit"].to_numpy(dtype=bool)
        if "above_cluster_limit" in f.columns
        else np.zeros(len(f), dtype=bool)
    )
    groups = (
        ("within the limits", ~above_nat & ~above_cl, "#7b8794"),
        ("above its cluster's limit only", ~above_nat & above_cl, "#E69F00"),
        ("above the national limit", above_nat, "#D55E00"),
    )
    for name, mask, colour in groups:
        g = f[mask]
        fig.add_trace(
            go.Scatter(
                x=g["list_size"].to_numpy(dtype=np.float64),
                y=_round(g["admission_rate_per_1000"], 3),
                mode="markers",
                name=f"{name} ({int(mask.sum())})",
                marker={"color": colour, "size": 7, "opacity": 0.8},
                text=[
                    f"{n} ({u}), cluster {cl}"
                    for n, u, cl in zip(g["name"], g["unit_id"], g["cluster"], strict=True)
                ],
                hovertemplate="%{text}<br>list size %{x:,}<br>%{y:.2f} per 1,000<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=f["list_size"].to_numpy(dtype=np.float64),
            y=_round(f["national_upper_limit_per_1000"], 3),
            mode="lines",
            name="national upper control limit",
            line={"color": "#102a43", "dash": "dash", "width": 1.5},
            hoverinfo="skip",
        )
    )
    if "national_rate_per_1000" in f.columns:
        fig.add_trace(
            go.Scatter(
                x=f["list_size"].to_numpy(dtype=np.float64),
                y=_round(f["national_rate_per_1000"], 3),
                mode="lines",
                name="national rate",
                line={"color": "#102a43", "width": 1.5},
                hoverinfo="skip",
            )
        )
    fw, period = str(f["framework"].iloc[0]), str(f["period"].iloc[0])
    # the y axis spans the practices' rates: the limit of a very small practice can be far higher
    top = float(np.nanmax(f["admission_rate_per_1000"].to_numpy(dtype=np.float64)))
    if "national_rate_per_1000" in f.columns:
        top = max(top, float(np.nanmax(f["national_rate_per_1000"].to_numpy(np.float64))))
    top = top * 1.08 if np.isfinite(top) and top > 0 else 1.0
    fig.update_layout(
        title=f"Funnel plot: emergency admissions per 1,000 patients, {period} ({fw})",
        xaxis_title="list size (registered patients)",
        yaxis_title="admissions per 1,000 patients in the quarter",
    )
    fig.update_yaxes(range=[0, top])
    return charts.render(fig, "funnel", height=520)


def _escalation_chart(c: Comparison, charts: Charts) -> str:
    import plotly.graph_objects as go

    e = c.escalation
    esc = e[e["rank"] > 0]
    labels = [lb for lb in c.labels if (esc["framework"] == lb).any()]
    fig = go.Figure()
    for rank in sorted(esc["rank"].unique()):
        ys, texts = [], []
        for label in labels:
            row = esc[(esc["framework"] == label) & (esc["rank"] == rank)]
            ys.append(int(row["practices"].iloc[0]) if len(row) else 0)
            texts.append(
                f"{row['level'].iloc[0]}: {int(row['practices'].iloc[0])}" if len(row) else ""
            )
        fig.add_trace(
            go.Bar(
                x=labels,
                y=ys,
                name=f"level {rank}",
                text=texts,
                textposition="inside",
                insidetextanchor="middle",
                marker_color=LEVEL_COLOURS[min(int(rank) - 1, len(LEVEL_COLOURS) - 1)],
                hovertemplate="%{x}<br>%{text} practices<extra></extra>",
            )
        )
    fig.update_layout(
        uniformtext={"minsize": 10, "mode": "hide"},  # no unreadable labels in thin bars
        barmode="stack",
        title=f"Practices escalated in {c.period}, by the highest level reached (1 = lowest)",
        yaxis_title="practices",
    )
    return charts.render(fig, "escalation")


# ---------------------------------------------------------------- the page


def render_report(c: Comparison) -> str:
    """The whole page as text."""
    import plotly.offline

    colours = _colours(c.labels)
    charts = Charts()
    m = c.manifest
    f = c.frameworks
    others = [lb for lb in c.labels if lb != c.baseline]
    is_base = lambda row: row.get("framework") == c.baseline  # noqa: E731

    # -- key figures
    cards = []
    for _, row in f.iterrows():
        diff = row["difference_from_baseline"]
        base_total = row["total_cost"] - diff
        rel = f" ({diff / base_total:+.1%})" if base_total else ""
        sub = (
            "baseline"
            if row["framework"] == c.baseline
            else f"{money(diff, sign=True)}{rel} against {c.baseline}"
        )
        flagged = (
            f"{count(row['flagged'])} practices flagged ({share(row['flag_rate'])})"
            if row["has_escalation"]
            else "no escalation rules"
        )
        cards.append(
            f'<div class="card" style="--c: {colours[row["framework"]]}">'
            f'<div class="label">{html.escape(row["framework"])}</div>'
            f'<div class="value">{money(row["total_cost"])}</div>'
            f'<div class="sub">{html.escape(sub)}</div>'
            f'<div class="sub">{pounds(row["cost_per_patient"])} per patient · Gini {number(row["gini_payment_per_patient"])}</div>'
            f'<div class="sub">{html.escape(flagged)}</div></div>'
        )
    summary_cols = [
        Col("framework", "framework", is_text=True),
        Col("frequency", "frequency", is_text=True),
        Col("practices_paid", "practices paid", count),
        Col("total_cost", "total cost", money),
        Col("difference_from_baseline", "vs baseline", lambda v: money(v, sign=True)),
        Col("cost_per_patient", "cost per patient", pounds),
        Col("mean_payment_per_patient", "mean £/patient", pounds),
        Col("median_payment_per_patient", "median £/patient", pounds),
        Col("p10_payment_per_patient", "10th pct", pounds),
        Col("p90_payment_per_patient", "90th pct", pounds),
        Col("gini_payment_per_patient", "Gini", number),
        Col("flagged", "flagged", count),
        Col("flag_rate", "flag rate", share),
    ]
    sections: list[str] = []
    sections.append(
        '<section id="summary"><h2>Key figures</h2>'
        f'<div class="cards">{"".join(cards)}</div>'
        + table(f, summary_cols, is_base)
        + '<p class="lead">Payment per patient is each practice\'s payment over its list size. '
        "Mean, median and percentiles are over practices (each practice counts once); the Gini "
        "coefficient measures how unequal payment per patient is between practices (0: all "
        "equal).</p>"
        f'<div class="two">{_cost_chart(c, charts, colours)}{_distribution_chart(c, charts, colours)}</div>'
        "</section>"
    )

    # -- winners and losers
    w = c.winners_losers
    if others:
        wl_cols = [
            Col("framework", "framework", is_text=True),
            Col("group", "deprivation quintile", is_text=True),
            Col("compared", "practices", count),
            Col("gaining", "gaining", count),
            Col("losing", "losing", count),
            Col("within", "within", count),
            Col("gaining_share", "gaining %", share),
            Col("losing_share", "losing %", share),
            Col("net_difference", "net difference", lambda v: money(v, sign=True)),
        ]
        shown = w[w["by"] != "cluster"].copy()
        shown["group"] = shown["group"].where(shown["by"] != "all", "all practices")
        clusters = w[w["by"] == "cluster"]
        cluster_note = ""
        if len(clusters):
            worst = clusters.sort_values(
                ["losing_share", "group"], ascending=[False, True], kind="stable"
            )
            worst = worst.groupby("framework", sort=False).head(5)
            order = {label: i for i, label in enumerate(c.labels)}
            worst = worst.sort_values("framework", key=lambda s: s.map(order), kind="stable")
            cluster_note = (
                "<h3>Clusters with the largest share of losing practices (five per framework)</h3>"
                + table(
                    worst,
                    [
                        Col("framework", "framework", is_text=True),
                        Col("group", "cluster", is_text=True),
                        Col("compared", "practices", count),
                        Col("gaining", "gaining", count),
                        Col("losing", "losing", count),
                        Col("losing_share", "losing %", share),
                        Col("net_difference", "net difference", lambda v: money(v, sign=True)),
                    ],
                )
                + '<p class="note">Every cluster is in winners_losers.csv and the workbook.</p>'
            )
        sections.append(
            '<section id="winners"><h2>Winners and losers against the baseline</h2>'
            f'<p class="lead">A practice <strong>gains</strong> when its payment under a framework is more than '
            f"{c.threshold:.0%} above its payment under the baseline ({html.escape(c.baseline)}), and "
            f"<strong>loses</strong> when it is more than {c.threshold:.0%} below.</p>"
            + _winners_chart(c, charts, colours)
            + table(shown, wl_cols)
            + cluster_note
            + _scatter_chart(c, charts, colours)
            + "</section>"
        )
    else:
        sections.append(
            '<section id="winners"><h2>Winners and losers against the baseline</h2>'
            '<p class="note">Only the baseline was given: there is nothing to compare it with.</p></section>'
        )

    # -- equity
    eq_cols = [
        Col("framework", "framework", is_text=True),
        Col("deprivation_quintile", "deprivation quintile", is_text=True),
        Col("practices", "practices", count),
        Col("patients", "patients", count),
        Col("payment", "payment", money),
        Col("payment_per_patient", "£ per patient", pounds),
        Col("relative_to_average", "vs framework average", lambda v: number(v, 3)),
        Col("flag_rate", "flag rate", share),
    ]
    sections.append(
        '<section id="equity"><h2>Equity: payment per patient by deprivation</h2>'
        '<p class="lead">All payments in the quintile over all its patients; "vs framework average" '
        "divides it by the framework's cost per patient. Flag rate: the share of the quintile's "
        "practices escalated at any level.</p>"
        + _equity_chart(c, charts, colours)
        + table(c.equity, eq_cols, is_base)
        + "</section>"
    )

    # -- funnel
    if c.funnel is not None:
        funnel_html = f'<p class="lead">{html.escape(c.funnel_note)}</p>' + _funnel_chart(c, charts)
    else:
        funnel_html = f'<p class="note">{html.escape(c.funnel_note)}</p>'
    sections.append(
        '<section id="funnel"><h2>Variation: the cluster funnel plot</h2>'
        + funnel_html
        + "</section>"
    )

    # -- escalation and agreement
    esc_html = ""
    if len(c.escalation):
        esc_html = _escalation_chart(c, charts) + table(
            c.escalation,
            [
                Col("framework", "framework", is_text=True),
                Col("rank", "rank", count),
                Col("level", "level", is_text=True),
                Col("practices", "practices", count),
                Col("share", "share", share),
            ],
        )
    else:
        esc_html = '<p class="note">None of the frameworks compared has escalation rules.</p>'
    none_esc = [r.label for r in c.runs if not r.has_escalation]
    if none_esc:
        esc_html += (
            '<p class="note">Without escalation rules (never flag a practice): '
            + html.escape(", ".join(none_esc))
            + ".</p>"
        )
    ag_cols = [
        Col("framework_a", "A", is_text=True),
        Col("framework_b", "B", is_text=True),
        Col("practices", "practices", count),
        Col("spearman_payment", "Spearman: payment", number),
        Col("spearman_payment_per_patient", "Spearman: £ per patient", number),
        Col("flagged_both", "flagged by both", count),
        Col("flagged_only_a", "only A", count),
        Col("flagged_only_b", "only B", count),
        Col("flagged_neither", "neither", count),
        Col("flag_jaccard", "overlap (Jaccard)", number),
    ]
    mm = c.mismatches
    mm_cols = [
        Col("direction", "case", is_text=True),
        Col("underpaid_by", "underpaid by", is_text=True),
        Col("escalated_by", "escalated by", is_text=True),
        Col("unit_id", "practice", is_text=True),
        Col("name", "name", is_text=True),
        Col("cluster", "cluster", is_text=True),
        Col("deprivation_quintile", "deprivation", is_text=True),
        Col("list_size", "list size", count),
        Col("payment_per_patient", "£ per patient", pounds),
        Col("escalation_level", "level", is_text=True),
    ]
    if len(mm):
        counts = (
            mm.groupby(["direction", "underpaid_by", "escalated_by"], sort=False)
            .size()
            .reset_index(name="practices")
        )
        mm_html = table(
            counts,
            [
                Col("direction", "case", is_text=True),
                Col("underpaid_by", "underpaid by", is_text=True),
                Col("escalated_by", "escalated by", is_text=True),
                Col("practices", "practices", count),
            ],
        ) + table(mm.head(MAX_LIST_ROWS), mm_cols)
        if len(mm) > MAX_LIST_ROWS:
            mm_html += f'<p class="note">The first {MAX_LIST_ROWS} of {len(mm)}: all are in mismatches.csv and the workbook.</p>'
    else:
        mm_html = '<p class="note">No practice is underpaid by one framework and escalated by the other.</p>'
    sections.append(
        '<section id="escalation"><h2>Escalation</h2>'
        '<p class="lead">The highest escalation level each practice reaches in the year (for a quarterly '
        "framework, in any of its quarters).</p>"
        + esc_html
        + "</section>"
        + '<section id="agreement"><h2>Agreement between frameworks</h2>'
        "<p class=\"lead\">Spearman's rank correlation of the practices' payments (1: the same order), "
        "and of payment per patient; how many practices each pair flags (any escalation level). "
        "Overlap (Jaccard) = flagged by both ÷ flagged by either.</p>"
        + table(c.agreement, ag_cols)
        + "<h3>Underpaid by one, escalated by the other</h3>"
        '<p class="lead">Practices in the bottom fifth of payment per patient under one framework that '
        "the other escalates: the baseline against each other framework, both ways.</p>"
        + mm_html
        + "</section>"
    )

    # -- about
    about = "".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in c.about_rows()
    )
    sections.append(
        '<section id="about"><h2>About this comparison</h2>'
        f'<dl class="about">{about}</dl>'
        '<p class="lead">The tables behind this page are in the same folder: CSV (or Parquet) files, '
        "comparison.xlsx (a sheet per table) and manifest.json. docs/compare.md defines every "
        "column.</p></section>"
    )

    nav = "".join(
        f'<a href="#{a}">{t}</a>'
        for a, t in (
            ("summary", "Key figures"),
            ("winners", "Winners &amp; losers"),
            ("equity", "Equity"),
            ("funnel", "Funnel plot"),
            ("escalation", "Escalation"),
            ("agreement", "Agreement"),
            ("about", "About"),
        )
    )
    data = m["data"]
    title = f"Comparing {len(c.runs)} frameworks, {c.period}"
    header = (
        f"<header><h1>{html.escape(title)}</h1>"
        f"<p><strong>Frameworks:</strong> {html.escape(', '.join(c.labels))} · "
        f"<strong>baseline:</strong> {html.escape(c.baseline)} · "
        f"<strong>threshold:</strong> {c.threshold:.0%}</p>"
        f"<p><strong>Period compared:</strong> {html.escape(c.period)} ({html.escape(c.period_source)}) · "
        f"<strong>data:</strong> {html.escape(str(data['source']))}, {data['units']:,} practices</p>"
        "</header>"
    )
    body = "".join(sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{STYLE}</style>\n"
        f"<script>{CAPTURE_SCRIPT}</script>\n"
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>\n'
        "</head>\n"
        f'<body data-charts-expected="{charts.count}" data-charts-rendered="0" data-errors="">\n'
        f"{header}\n<nav>{nav}</nav>\n<main>\n{body}\n</main>\n"
        f"<footer>qframe {html.escape(str(m['qframe_version']))} · "
        + html.escape(
            ", ".join(
                f"{fw['label']} {fw['version']} (sha256 {fw['sha256'][:12]}…)"
                for fw in m["frameworks"]
            )
        )
        + "</footer>\n"
        f"<script>{FINISH_SCRIPT}</script>\n"
        "</body>\n</html>\n"
    )


def write_report(c: Comparison, path: str | Path) -> Path:
    """Write report.html; returns its path."""
    target = Path(path)
    output_folder(target.parent)
    target.write_text(render_report(c), encoding="utf-8")
    return target
