"""The module contract: what each app adds to the platform, declared on its ``AppConfig``.

An app that adds pages, API operations, newsletter figures, dashboard figures, resident links,
personal-data export sections or demo records subclasses ``ModuleConfig`` and fills in the
attributes it needs (dotted paths, imported when first used). The places that used to list the
modules by hand read the declarations in one loop: adding a module is one ``AppConfig`` and one
line in ``INSTALLED_APPS`` (docs/architecture.md, "Module contract").
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import AppConfig, apps
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class WorkbenchEntry:
    """A tile on the staff workbench (工作台)."""

    url_name: str
    title: Any  # a lazy translation
    description: Any
    # Shown only to holders of one of these roles (empty: every staff member).
    roles: tuple[str, ...] = ()
    order: int = 50


class ModuleConfig(AppConfig):
    """Subclassed as ``modules.ModuleConfig`` in apps.py: Django takes the one AppConfig class
    an apps.py defines, and a second one imported by name would hide it."""

    # Pages: a URLconf module mounted at ``url_prefix`` ("blood/"; "" for the site root).
    urls: str = ""
    url_prefix: str = ""
    # The app's django-ninja router, added to /api/v1/.
    api_router: str = ""
    workbench: tuple[WorkbenchEntry, ...] = ()
    # ``resolve(record, measure)`` for newsletter tokens ``[[<label>:record:measure]]``.
    figures: str = ""
    # ``dashboard_summary(town) -> dict`` for the town dashboard.
    dashboard: str = ""
    # ``links(person) -> [{"title", "url", "description"}]`` on the resident home page.
    resident_links: str = ""
    # ``cards(town) -> [{"title", "url", "lines": [...], "when": date | None}]`` for the public
    # town home (no personal data: what is on, for residents).
    public_home: str = ""
    # ``can_read(user, relative_path) -> bool``: the file under MEDIA_ROOT is one of this app's
    # records' and ``user`` (None: the public) may read that record (lehuo/platform/media.py).
    media: str = ""
    # ``personal_data(person) -> section`` of the person's PIPL access/copy export.
    personal_data: str = ""
    # ``load(town, stdout)`` for ``python -m lehuo demo``, after the modules named in ``demo_after``.
    demo: str = ""
    demo_after: tuple[str, ...] = ()
    # The app's declared actions and record scopes (a module with ``ACTIONS`` and ``SCOPES``,
    # read by lehuo/accounts/permissions.py).
    policy: str = ""
    # Figures kept as aggregates (``python -m lehuo verify_figures``): ``verify() -> [difference]``
    # recomputes them from the records, ``rebuild() -> int`` rewrites them (repair, migration).
    verify_figures: str = ""
    rebuild_figures: str = ""
    # What the job page calls a background job of each kind this app starts.
    job_labels: dict[str, Any] = {}

    def contribution(self, attr: str) -> Any:
        """The object a dotted-path attribute names (None when the app declares none)."""
        return _imported(getattr(self, attr) or "")


@cache
def _imported(path: str) -> Any:
    return import_string(path) if path else None


def modules() -> list[ModuleConfig]:
    """The installed apps that declare something, in ``INSTALLED_APPS`` order."""
    return [config for config in apps.get_app_configs() if isinstance(config, ModuleConfig)]


def contributions(attr: str) -> Iterator[tuple[ModuleConfig, Any]]:
    """(app, object) for every app that declares ``attr``."""
    for config in modules():
        if getattr(config, attr):
            yield config, config.contribution(attr)


def module(label: str) -> ModuleConfig | None:
    config = apps.app_configs.get(label)
    return config if isinstance(config, ModuleConfig) else None


def callables(attr: str) -> list[tuple[str, Callable]]:
    return [(config.label, fn) for config, fn in contributions(attr)]


def demo_order(only: list[str] | None = None) -> list[ModuleConfig]:
    """Apps with demo records, each after the apps it names in ``demo_after`` (those are loaded
    too when ``only`` picks a few)."""
    by_label = {config.label: config for config in modules() if config.demo}
    wanted = list(by_label) if not only else list(only)
    ordered: list[ModuleConfig] = []

    def visit(label: str, path: tuple[str, ...]) -> None:
        if label in path:
            raise ValueError(f"demo_after cycle: {' -> '.join((*path, label))}")
        config = by_label.get(label)
        if config is None or config in ordered:
            return
        for before in config.demo_after:
            visit(before, (*path, label))
        ordered.append(config)

    for label in wanted:
        visit(label, ())
    return ordered
