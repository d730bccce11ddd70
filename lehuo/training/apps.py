from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "lehuo.training"
    label = "training"
    verbose_name = _("培训")

    def ready(self) -> None:
        from lehuo.accounts.scoping import register_person_scope
        from lehuo.platform import figures

        from .figures import resolve
        from .scoping import instructor_people_q

        # An instructor sees the students of the cohorts they are assigned to.
        register_person_scope(instructor_people_q)
        # Newsletter tokens such as [[training:xinjing-studio-3:sessions]].
        figures.register("training", resolve)

    def personal_data(self, person) -> list[dict]:
        """PIPL access request: this person's training record (core's export_person_data)."""
        from .stats import training_record

        return training_record(person)
