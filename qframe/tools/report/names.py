"""How the report names frameworks and quintiles for people."""

from __future__ import annotations

from qframe.results.comparison import ComparisonTables


def short_title(title: str) -> str:
    """A framework's title without its qualifiers: "Improving Together — GP clusters … (Scotland)"
    → "Improving Together"; "Somerset Practice Quality Scheme (from 2014/15)" → "Somerset Practice
    Quality Scheme"."""
    short = title.split(" — ")[0].split(" (")[0].strip()
    return short or title


def display_names(comparison: ComparisonTables) -> dict[str, str]:
    """Each framework's name on the page, by label: its short title (with the label when two
    frameworks would share one, or when it has no title)."""
    shorts = {label: short_title(title) for label, title in comparison.titles.items()}
    counts: dict[str, int] = {}
    for name in shorts.values():
        counts[name] = counts.get(name, 0) + 1
    return {
        label: name
        if counts[name] == 1 and name != label
        else f"{name} ({label})"
        if name != label
        else label
        for label, name in shorts.items()
    }


def quintile_axis(comparison: ComparisonTables) -> str:
    """Deprivation quintiles named with their direction from the data, for a chart's title."""
    return f"deprivation quintile ({comparison.provenance['deprivation_quintile']})"


def chart_name(name: str, width: int = 18) -> str:
    """A framework's name as a chart's category label: broken into lines of about ``width``
    characters (plotly breaks lines at <br>), so it needs no slanting."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)
