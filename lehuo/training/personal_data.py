"""This app's section of a person's PIPL access/copy export (people.services.export_person_data)."""

from .stats import training_record


def personal_data(person, actor) -> list[dict]:
    """The person's training record (cohorts, attendance, certificates)."""
    return training_record(person)
