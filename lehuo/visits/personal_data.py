"""This app's section of a person's PIPL access/copy export (people.services.export_person_data)."""


def personal_data(person, actor) -> dict:
    """The person's honours and the home visits paid to them."""
    return {
        "honours": [
            {"title": h.title, "event": h.event, "rank": h.rank, "result": h.result, "achieved_on": h.achieved_on}
            for h in person.honours.all()
        ],
        "visits": [{"date": v.date, "purpose": v.purpose, "notes": v.notes} for v in person.visits.all()],
    }
