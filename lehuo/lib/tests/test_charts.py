import re

from lehuo.lib.charts import line_chart, x_fractions


def _xs(svg: str) -> list[float]:
    points = re.search(r'<polyline points="([^"]+)"', svg).group(1)
    return [float(p.split(",")[0]) for p in points.split()]


def test_dates_are_spaced_by_time_not_evenly():
    xs = _xs(line_chart([("2021-07", 1), ("2026-01", 2), ("2026-12", 3)]))
    # 54 months then 11: the second point sits far nearer the third than the first
    assert xs[2] - xs[1] < (xs[1] - xs[0]) / 4
    assert x_fractions(["2021-07-01", "2021-07-11", "2021-07-31"]) == [0.0, 1 / 3, 1.0]


def test_labels_that_are_not_dates_stay_evenly_spaced():
    assert x_fractions(["第1期", "第2期", "第3期"]) == [0.0, 0.5, 1.0]
    assert x_fractions(["2026-01"]) == [0.0]
