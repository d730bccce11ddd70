from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonationsConfig(AppConfig):
    name = "lehuo.donations"
    label = "donations"
    verbose_name = _("募捐")

    def ready(self):
        from lehuo.platform import figures

        from .stats import resolve

        figures.register("donations", resolve)

    def personal_data(self, person) -> list[dict]:
        """PIPL access/copy: the person's donations (voided ones marked)."""
        from .models import Donation

        return [
            {"drive": d.drive.title, "amount": f"{d.amount:.2f}", "channel": d.get_channel_display(),
             "method": d.get_method_display(), "received_on": d.received_on.isoformat(),
             "named_consent": d.named_consent, "receipt_number": d.receipt_number,
             "voided": d.voided_at is not None}
            for d in Donation.objects.filter(person=person).select_related("drive").order_by("received_on", "pk")
        ]
