"""This app's section of a person's PIPL access/copy export (people.services.export_person_data)."""

from .models import Donation


def personal_data(person, actor) -> list[dict]:
    """The person's donations (voided ones marked): money, not sensitive data, so whoever may
    export the person's data reads them."""
    return [
        {"drive": d.drive.title, "amount": f"{d.amount:.2f}", "channel": d.get_channel_display(),
         "method": d.get_method_display(), "received_on": d.received_on.isoformat(),
         "named_consent": d.named_consent, "receipt_number": d.receipt_number,
         "voided": d.voided_at is not None}
        for d in Donation.objects.filter(person=person).select_related("drive").order_by("received_on", "pk")
    ]
