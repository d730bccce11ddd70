from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "lehuo.visits"
    label = "visits"
    verbose_name = _("走访慰问")

    def ready(self) -> None:
        from lehuo.platform import figures

        from .stats import resolve

        figures.register("visits", resolve)

    def personal_data(self, person) -> dict:
        return {
            "honours": [
                {"title": h.title, "event": h.event, "rank": h.rank, "result": h.result, "achieved_on": h.achieved_on}
                for h in person.honours.all()
            ],
            "visits": [{"date": v.date, "purpose": v.purpose, "notes": v.notes} for v in person.visits.all()],
        }
