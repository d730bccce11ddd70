"""This app's section of a person's PIPL access/copy export (people.services.export_person_data)."""

from .stats import training_record


def personal_data(person) -> list[dict]:
    """PIPL access request: this person's training record (people.services.export_person_data)."""
    return training_record(person)
