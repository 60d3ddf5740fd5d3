"""The registration chart's geometry: registered / headcount day by day, the 100% target and its due day,
drawn by templates/rosters/_chart.html as plain SVG (no script, no style attributes, readable on paper)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.domain.formatting import day as format_day, number, percent
from portal.domain.rosters import RegistrationSeries

WIDTH, HEIGHT = 940, 260
LEFT, RIGHT, TOP, BOTTOM = 46, 96, 18, 34


@dataclass
class RegistrationChart:
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    line: str
    area: str
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    target_y: float
    due_x: float | None
    due_label: str
    last_x: float
    last_y: float
    last_label: str
    description: str


def registration_chart(series: RegistrationSeries, today: date, start: date, end: date) -> RegistrationChart | None:
    """The chart from `start` to `end`, drawn up to `today`; None when there is no headcount to divide by."""
    if not series.headcount:
        return None
    shown = [(day, count) for day, count in series.points if day <= today] or series.points[:1]
    top_share = max([1.0] + [count / series.headcount for _, count in shown])
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span = max((end - start).days, 1)

    def x(day: date) -> float:
        return round(LEFT + (right - LEFT) * (day - start).days / span, 1)

    def y(share: float) -> float:
        return round(bottom - (bottom - TOP) * share / top_share, 1)

    coordinates = [(x(day), y(count / series.headcount)) for day, count in shown]
    line = " ".join(f"{px},{py}" for px, py in coordinates)
    area = f"{coordinates[0][0]},{bottom} {line} {coordinates[-1][0]},{bottom}"
    y_ticks = [(y(share), f"{int(share * 100)}%") for share in (0, 0.25, 0.5, 0.75, 1.0)]
    steps = min(6, span)
    x_days = sorted({start.toordinal() + round(span * n / steps) for n in range(steps + 1)})
    x_ticks = [(x(date.fromordinal(ordinal)), date.fromordinal(ordinal).strftime("%d/%m")) for ordinal in x_days]
    last_day, last_count = shown[-1]
    last_share = percent(last_count, series.headcount)
    due_x = x(series.target_on) if start <= series.target_on <= end else None
    description = (f"Tỷ lệ cán bộ đã tạo tài khoản iHanoi đến {format_day(last_day)}: {last_share} "
                   f"({number(last_count)}/{number(series.headcount)} người). Mục tiêu 100% trước hết ngày "
                   f"{format_day(series.target_on)}.")
    return RegistrationChart(
        width=WIDTH, height=HEIGHT, left=LEFT, right=right, top=TOP, bottom=bottom, line=line, area=area,
        y_ticks=y_ticks, x_ticks=x_ticks, target_y=y(1.0), due_x=due_x,
        due_label=f"Hạn {series.target_on.strftime('%d/%m')}", last_x=coordinates[-1][0], last_y=coordinates[-1][1],
        last_label=last_share, description=description,
    )
