"""The town dashboard: each module's ``stats.dashboard_summary(town)``, with SVG charts."""

import importlib
import logging

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from lehuo.core import charts, figures

logger = logging.getLogger("lehuo.newsletter")
MODULES = ["training", "donations", "blood", "daycare", "visits"]


def summaries(town) -> list[dict]:
    """One entry per module that provides ``dashboard_summary``; the others are skipped."""
    out = []
    for name in MODULES:
        try:
            stats = importlib.import_module(f"lehuo.{name}.stats")
        except ImportError:
            continue
        summary_fn = getattr(stats, "dashboard_summary", None)
        if summary_fn is None:
            continue
        try:
            summary = dict(summary_fn(town))
        except Exception:  # one module's bug must not blank the whole dashboard
            logger.exception("dashboard_summary of %s failed", name)
            out.append({"module": name, "title": name, "error": _("该模块数据暂时无法计算"), "figures": []})
            continue
        summary["module"] = name
        summary["figures"] = [(label, figures.format_value(value)) for label, value in summary.get("figures") or []]
        summary["by_neighbourhood_svg"] = mark_safe(charts.bar_chart(
            list(summary.get("by_neighbourhood") or []), title=_("按居民区"))) if summary.get("by_neighbourhood") else ""
        summary["over_time_svg"] = mark_safe(charts.line_chart(
            list(summary.get("over_time") or []), title=_("按时间"))) if summary.get("over_time") else ""
        out.append(summary)
    return out
