"""The weekly trend as shapes for a server-rendered SVG: no script, no inline style, readable on paper."""
from __future__ import annotations

import math
from dataclasses import dataclass

from portal.domain.figures import WeekPoint
from portal.domain.formatting import number

WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 44, 42


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    title: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass
class TrendChart:
    width: int
    height: int
    left: int
    right_edge: int
    baseline: float
    received: list[Bar]
    answered: list[Bar]
    overdue_points: list[tuple[float, float, int, str]]
    overdue_path: str
    ticks: list[Tick]
    labels: list[Label]
    show_values: bool

    @property
    def is_empty(self) -> bool:
        return not self.received


def _nice_step(top: int) -> int:
    """A round step giving about four gridlines up to `top`."""
    if top <= 4:
        return 1
    raw = top / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return max(1, int(factor * magnitude))
    return int(10 * magnitude)


def weekly_chart(points: list[WeekPoint]) -> TrendChart:
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    highest = max([1] + [max(p.received, p.answered, p.open_overdue) for p in points])
    step = _nice_step(highest)
    top = step * math.ceil(highest / step)
    scale = plot_height / top
    slot = plot_width / max(len(points), 1)
    bar = min(slot * 0.36, 28)
    received, answered, dots, labels = [], [], [], []
    every = max(1, math.ceil(len(points) / 13))  # at most 13 week labels under the axis
    for index, point in enumerate(points):
        centre = LEFT + slot * index + slot / 2
        week = f"tuần {point.week.first:%d/%m}–{point.week.last:%d/%m/%Y}"
        received.append(Bar(centre - bar - 1, baseline - point.received * scale, bar, point.received * scale,
                            point.received, f"Tiếp nhận {number(point.received)}, {week}"))
        answered.append(Bar(centre + 1, baseline - point.answered * scale, bar, point.answered * scale,
                            point.answered, f"Đã xử lý {number(point.answered)}, {week}"))
        dots.append((centre, baseline - point.open_overdue * scale, point.open_overdue,
                     f"Quá hạn chưa xử lý cuối tuần {number(point.open_overdue)}, {week}"))
        if index % every == 0:
            labels.append(Label(centre, f"{point.week.first:%d/%m}"))
    path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y, _, _) in enumerate(dots))
    ticks = [Tick(baseline - value * scale, number(value)) for value in range(0, top + 1, step)]
    return TrendChart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, baseline, received, answered, dots, path, ticks,
                      labels, show_values=len(points) <= 13)
