"""The report's charts, drawn by plotly with fixed ids (the page is deterministic)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from qframe.results.comparison import ComparisonTables
from qframe.results.formatting import money, share
from qframe.tools.report.names import chart_name, display_names, quintile_axis
from qframe.tools.report.tables import whole_pounds

# Okabe–Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# components: Paul Tol's "muted" scheme (colour-blind safe), apart from the frameworks' colours
COMPONENT_COLOURS = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
)
LEVEL_COLOURS = ("#FDD49E", "#FC8D59", "#D7301F", "#7F0000", "#3F0000")
HEIGHT = 440


def rounded(values: Any, places: int) -> np.ndarray:
    """Numbers for a chart: float64, rounded (smaller and stable in the page; plotly writes
    numpy arrays compactly)."""
    return np.round(np.asarray(values, dtype=np.float64), places)


def practice_labels(names: Any, codes: Any, clusters: Any = None) -> np.ndarray:
    """Each practice's hover label, "name (code)" (", cluster C" after it when ``clusters`` are
    given), as an array: plotly takes an array of thousands of labels far faster than a list
    (the same JSON)."""
    if clusters is None:
        labels = [f"{n} ({u})" for n, u in zip(names, codes, strict=True)]
    else:
        labels = [f"{n} ({u}), cluster {c}" for n, u, c in zip(names, codes, clusters, strict=True)]
    return np.array(labels, dtype=object)


class Charts:
    """Builds the page's plotly charts with fixed ids. Each chart is a figure: its title as an
    HTML caption (it wraps on a narrow screen and prints with the chart), a div, and the figure
    as JSON, drawn by the page's script once plotly.js is loaded (it is embedded once)."""

    def __init__(self) -> None:
        self.count = 0

    def render(
        self,
        fig: Any,
        name: str,
        height: int = HEIGHT,
        subplots: bool = False,
        min_width: int = 0,
    ) -> str:
        """The chart's HTML. ``min_width``: below this width (px) the chart keeps its width and
        scrolls inside its frame (panels side by side stay readable on a phone)."""
        self.count += 1
        title = fig.layout.title.text or ""
        # the legend at the top, above the subplot titles when there are some
        fig.update_layout(
            template="plotly_white",
            height=height,
            title=None,
            margin={"l": 70, "r": 30, "t": 70 if subplots else 40, "b": 60},
            font={"family": "Arial, sans-serif", "size": 13},
            legend={
                "orientation": "h",
                "yanchor": "bottom",
                "y": 1.1 if subplots else 1.02,
                "x": 0,
            },
        )
        spec = fig.to_json(validate=True, pretty=False, remove_uids=True).replace("</", "<\\/")
        style = f"height:{height}px" + (f";min-width:{min_width}px" if min_width else "")
        return (
            f'<figure class="chart"><figcaption>{html.escape(title)}</figcaption>'
            f'<div class="plot-frame"><div id="chart-{name}" class="plot" style="{style}"></div>'
            "</div>"
            f'<script type="application/json" class="chart-spec" data-target="chart-{name}">'
            f"{spec}</script></figure>"
        )


def colours_for(labels: Sequence[str]) -> dict[str, str]:
    """A colour per framework, in order, from the palette."""
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(labels)}


def cost_chart(comparison: ComparisonTables, charts: Charts, colours: dict[str, str]) -> str:
    """Total cost per framework (bars)."""
    import plotly.graph_objects as go

    f = comparison.frameworks
    names = display_names(comparison)
    fig = go.Figure(
        go.Bar(
            x=[chart_name(names[label]) for label in f["framework"]],
            y=rounded(f["total_cost"], 2),
            marker_color=[colours[x] for x in f["framework"]],
            text=[whole_pounds(v) for v in f["total_cost"]],
            textposition="outside",
            customdata=[[money(v)] for v in f["cost_per_patient"]],
            hovertemplate="%{x}<br>total %{text}<br>%{customdata[0]} per patient<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Total cost, {comparison.period}",
        yaxis_title="£ paid to all practices",
        showlegend=False,
    )
    fig.update_yaxes(tickprefix="£", rangemode="tozero")
    return charts.render(fig, "cost")


def distribution_chart(
    comparison: ComparisonTables, charts: Charts, colours: dict[str, str]
) -> str:
    """Payment per patient by practice (a box per framework)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    p = comparison.practices
    names = display_names(comparison)
    for label in comparison.labels:
        f = p[p["framework"] == label]
        fig.add_trace(
            go.Box(
                y=rounded(f["payment_per_patient"], 3),
                name=chart_name(names[label]),
                marker_color=colours[label],
                boxpoints="outliers",
                boxmean=True,
                text=practice_labels(f["name"], f["unit_id"]),
                hovertemplate="%{text}<br>£%{y:.2f} per patient<extra>" + names[label] + "</extra>",
            )
        )
    fig.update_layout(
        title="Payment per patient, by practice",
        yaxis_title="£ per registered patient",
        showlegend=False,
    )
    fig.update_yaxes(tickprefix="£")
    return charts.render(fig, "distribution")


def winners_chart(comparison: ComparisonTables, charts: Charts, colours: dict[str, str]) -> str:
    """Practices gaining and losing by deprivation quintile, a panel per framework."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    others = [lb for lb in comparison.labels if lb != comparison.baseline]
    names = display_names(comparison)
    w = comparison.winners_losers
    w = w[w["by"] == "deprivation_quintile"]
    fig = make_subplots(
        rows=1,
        cols=len(others),
        shared_yaxes=True,
        subplot_titles=[names[lb] for lb in others],
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
        title=f"Practices gaining or losing more than {share(comparison.threshold, 0)} against "
        f"{names[comparison.baseline]}, by {quintile_axis(comparison)}",
    )
    fig.update_yaxes(title_text="practices (losing below zero)", row=1, col=1)
    return charts.render(fig, "winners-losers", height=480, subplots=True, min_width=640)


def scatter_chart(comparison: ComparisonTables, charts: Charts, colours: dict[str, str]) -> str:
    """Each practice's payment per patient under the baseline against the others'."""
    import plotly.graph_objects as go

    p = comparison.practices
    names = display_names(comparison)
    base_name = names[comparison.baseline]
    base = p[p["framework"] == comparison.baseline].set_index("unit_id")
    fig = go.Figure()
    points: list[tuple[np.ndarray, np.ndarray]] = []
    for label in comparison.labels:
        if label == comparison.baseline:
            continue
        f = p[p["framework"] == label]
        x = base["payment_per_patient"].reindex(f["unit_id"]).to_numpy(dtype=np.float64)
        y = f["payment_per_patient"].to_numpy(dtype=np.float64)
        points.append((x, y))
        fig.add_trace(
            go.Scatter(
                x=rounded(x, 3),
                y=rounded(y, 3),
                mode="markers",
                name=names[label],
                marker={"color": colours[label], "size": 6, "opacity": 0.7},
                text=practice_labels(f["name"], f["unit_id"]),
                hovertemplate="%{text}<br>"
                + base_name
                + " £%{x:.2f}<br>"
                + names[label]
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
        (1 + comparison.threshold, "dot", f"±{share(comparison.threshold, 0)}"),
        (1 - comparison.threshold, "dot", f"±{share(comparison.threshold, 0)}"),
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
        title=f"Payment per patient: each practice under {base_name} (x) and the others (y)",
        xaxis_title=f"£ per patient under {base_name}",
        yaxis_title="£ per patient under the other framework",
    )
    fig.update_xaxes(tickprefix="£", range=[bottom, top])
    fig.update_yaxes(tickprefix="£", range=[bottom, top])
    return charts.render(fig, "baseline-scatter", height=520)


def equity_chart(comparison: ComparisonTables, charts: Charts, colours: dict[str, str]) -> str:
    """Payment per patient (and flag rate) by deprivation quintile."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    e = comparison.equity
    names = display_names(comparison)
    flagging = comparison.with_escalation
    fig = make_subplots(
        rows=1,
        cols=2 if flagging else 1,
        subplot_titles=[
            "£ per patient (all payments ÷ all patients in the quintile)",
            *(["share of practices flagged (any escalation level)"] if flagging else []),
        ],
        horizontal_spacing=0.1,
    )
    for label in comparison.labels:
        f = e[e["framework"] == label]
        quintile = [f"Q{g}" for g in f["deprivation_quintile"]]
        fig.add_trace(
            go.Scatter(
                x=quintile,
                y=rounded(f["payment_per_patient"], 3),
                mode="lines+markers",
                name=names[label],
                legendgroup=label,
                line={"color": colours[label], "width": 2.5},
                marker={"size": 9},
                hovertemplate="deprivation %{x}<br>£%{y:.2f} per patient<extra>"
                + names[label]
                + "</extra>",
            ),
            row=1,
            col=1,
        )
        if label in flagging:
            fig.add_trace(
                go.Bar(
                    x=quintile,
                    y=rounded(f["flag_rate"], 4),
                    name=names[label],
                    legendgroup=label,
                    showlegend=False,
                    marker_color=colours[label],
                    hovertemplate="deprivation %{x}<br>%{y:.1%} flagged<extra>"
                    + names[label]
                    + "</extra>",
                ),
                row=1,
                col=2,
            )
    fig.update_layout(barmode="group", title=f"Equity by {quintile_axis(comparison)}")
    fig.update_xaxes(title_text="deprivation quintile")
    fig.update_yaxes(tickprefix="£", title_text="£ per registered patient", row=1, col=1)
    if flagging:
        fig.update_yaxes(tickformat=".0%", rangemode="tozero", row=1, col=2)
    return charts.render(fig, "equity", height=480, subplots=True, min_width=640)


def funnel_chart(comparison: ComparisonTables, charts: Charts) -> str:
    """Admission rates against list size, with the national limit."""
    import plotly.graph_objects as go

    f = comparison.funnel
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
                y=rounded(g["admission_rate_per_1000"], 3),
                mode="markers",
                name=f"{name} ({int(mask.sum())})",
                marker={"color": colour, "size": 7, "opacity": 0.8},
                text=practice_labels(g["name"], g["unit_id"], g["cluster"]),
                hovertemplate="%{text}<br>list size %{x:,}<br>%{y:.2f} per 1,000<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=f["list_size"].to_numpy(dtype=np.float64),
            y=rounded(f["national_upper_limit_per_1000"], 3),
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
                y=rounded(f["national_rate_per_1000"], 3),
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
        title=f"Funnel plot: emergency admissions per 1,000 patients, {period} "
        f"({display_names(comparison)[fw]})",
        xaxis_title="list size (registered patients)",
        yaxis_title="admissions per 1,000 patients in the quarter",
    )
    fig.update_yaxes(range=[0, top])
    return charts.render(fig, "funnel", height=520)


def escalation_chart(comparison: ComparisonTables, charts: Charts) -> str:
    """Practices by the highest escalation level reached (stacked bars)."""
    import plotly.graph_objects as go

    e = comparison.escalation
    esc = e[e["rank"] > 0]
    labels = [lb for lb in comparison.labels if (esc["framework"] == lb).any()]
    names = display_names(comparison)
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
                x=[chart_name(names[label]) for label in labels],
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
        title=f"Practices escalated in {comparison.period}, by the highest level reached (1 = lowest)",
        yaxis_title="practices",
    )
    return charts.render(fig, "escalation")


def components_chart(comparison: ComparisonTables, charts: Charts) -> str:
    """Cost per patient of each framework, split into its components (stacked bars)."""
    import plotly.graph_objects as go

    c = comparison.components
    names = display_names(comparison)
    labels = [lb for lb in comparison.labels if (c["framework"] == lb).any()]
    fig = go.Figure()
    for i, (component, g) in enumerate(c.groupby("component", sort=False)):
        by_fw = g.set_index("framework")
        fig.add_trace(
            go.Bar(
                x=[chart_name(names[lb]) for lb in labels],
                y=rounded(by_fw["cost_per_patient"].reindex(labels), 3),
                name=str(component),
                marker_color=COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)],
                customdata=[whole_pounds(v) for v in by_fw["cost"].reindex(labels)],
                hovertemplate="%{x}<br>"
                + str(component)
                + ": £%{y:.2f} per patient (%{customdata})<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        title=f"What each framework pays for: cost per patient by component, {comparison.period}",
        yaxis_title="£ per registered patient",
    )
    fig.update_yaxes(tickprefix="£", rangemode="tozero")
    return charts.render(fig, "components", height=480)
