"""The town dashboard: each module's declared ``dashboard`` summary (town), with SVG charts.

``cached_summaries`` keeps them for ``LEHUO_DASHBOARD_CACHE_SECONDS`` per town and language
(the labels are translated when computed): on the city data set the summaries are 38 queries
and about 1.2 s for a town of 100,000 people and 500,000 gifts, a cache hit none. They are
aggregates only, the same for everyone who may see the town's dashboard, so one entry serves
all of them. The page shows when they were computed and can ask for fresh ones.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lehuo.lib import charts
from lehuo.platform import figures
from lehuo.platform.modules import contributions

logger = logging.getLogger("lehuo.newsletter")


def summaries(town) -> list[dict]:
    """One entry per app that declares a ``dashboard`` summary (lehuo/platform/modules.py)."""
    out = []
    for config, summary_fn in contributions("dashboard"):
        name = config.label
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


def _cache_key(town) -> str:
    return f"lehuo:dashboard:{town.pk}:{get_language() or ''}"


def cached_summaries(town, *, refresh: bool = False) -> tuple[list[dict], "timezone.datetime"]:
    """(summaries, when they were computed): from the cache unless ``refresh`` or expired."""
    seconds = settings.LEHUO_DASHBOARD_CACHE_SECONDS
    key = _cache_key(town)
    if seconds > 0 and not refresh:
        hit = cache.get(key)
        if hit is not None:
            return hit["summaries"], hit["computed_at"]
    computed_at = timezone.now()
    out = summaries(town)
    if seconds > 0 and not any(s.get("error") for s in out):  # a module's failure is not kept
        cache.set(key, {"summaries": out, "computed_at": computed_at}, seconds)
    return out, computed_at
