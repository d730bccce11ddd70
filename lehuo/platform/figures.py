"""Live figures for the newsletter: ``[[app:record:measure]]`` tokens.

Each app declares a resolver on its AppConfig (``figures``, lehuo/platform/modules.py)::

    figures = "lehuo.donations.stats.resolve"   # resolve(record_key, measure) -> value

and the app's label is the token's prefix.

A resolver raises ``FigureError`` with a message for an unknown record or measure.
Values are ints, Decimals or short strings; ``measure`` may be dotted
(``by_tag.党员.people``) to reach into a nested stats dict.
"""

from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext as _

from lehuo.lib.labels import list_separator

from .modules import contributions


class FigureError(LookupError):
    pass


# Counts of health facts (deferral reasons...) under this are shown as "<5" to roles without
# health access and never become newsletter figures: a small count points at a person.
SMALL_COUNT = 5


class NotPublishable(FigureError):
    """The figure exists but may not be published (a small health count)."""


def small_count(value):
    """``value``, or "<5" when it is a count from 1 to 4."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALL_COUNT:
        return f"<{SMALL_COUNT}"
    return value


def require_publishable_count(value, measure: str) -> None:
    """Resolvers call this for a health count: under ``SMALL_COUNT`` it raises NotPublishable."""
    if not isinstance(value, int) or isinstance(value, bool) or value < SMALL_COUNT:
        from django.utils.translation import gettext as _

        raise NotPublishable(_("指标“%(measure)s”是少于%(n)s人的健康统计，不能公开发布")
                             % {"measure": measure, "n": SMALL_COUNT})


def _resolvers() -> dict[str, Callable[[str, str], object]]:
    return {config.label: resolver for config, resolver in contributions("figures")}


def prefixes() -> list[str]:
    return sorted(_resolvers())


def resolve(token: str):
    parts = token.split(":", 2)
    if len(parts) != 3 or not all(parts):
        raise FigureError(_("数据标记格式应为 [[模块:记录:指标]]：%(token)s") % {"token": token})
    prefix, record, measure = parts
    resolvers = _resolvers()
    if prefix not in resolvers:
        raise FigureError(_("未知模块“%(prefix)s”（可用：%(modules)s）") % {
            "prefix": prefix, "modules": list_separator().join(sorted(resolvers))})
    return resolvers[prefix](record, measure)


def dig(stats: dict, measure: str):
    """Follow a dotted path through a stats dict; FigureError names the missing part."""
    value = stats
    for part in measure.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise FigureError(_("未知指标“%(measure)s”") % {"measure": measure})
    if isinstance(value, dict | list):
        raise FigureError(_("指标“%(measure)s”不是单个数值") % {"measure": measure})
    return value


def format_value(value) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return str(value)
