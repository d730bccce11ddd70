"""Paper and files: the acknowledgement PDF of one donation, and the public disclosure
list (公示) as a page, xlsx and PDF with names masked unless the donor agreed."""

from django.http import Http404
from django.utils import timezone

from lehuo.accounts import scoping
from lehuo.platform.audit import log_action
from lehuo.platform.excel import write_xlsx, xlsx_response
from lehuo.platform.paging import paginate
from lehuo.platform.pdf import pdf_response, render_pdf

from . import stats
from .models import Donation, Drive
from .views import _donation, _render


def ack_pdf(request, pk):
    """致谢函 (charity law art. 38: donor, type and amount, organisation, handler, date).
    The official 捐赠票据 comes from the charity; its number shows once recorded."""
    if not request.user.is_authenticated:
        raise Http404
    donation = _donation(request, pk)
    if donation.voided_at:
        raise Http404
    handler = donation.recorded_by.get_full_name() or donation.recorded_by.username if donation.recorded_by else ""
    pdf = render_pdf("donations/ack_print.html", {"d": donation, "drive": donation.drive, "handler": handler,
                                                 "today": timezone.localdate()}, request=request)
    log_action(request.user, "donation.acknowledgement", donation, {})
    return pdf_response(pdf, f"致谢函-{donation.pk}.pdf")


def _disclosure_drive(request, pk) -> Drive:
    drive = Drive.objects.filter(pk=pk).select_related("organiser").first()
    if drive is None:
        raise Http404
    if drive.disclosure_public:
        return drive
    if not Drive.objects.for_user(request.user).filter(pk=pk).exists():
        raise Http404
    return drive


def disclosure_rows(drive):
    """Valid donations, names masked unless consented (Donation.public_name)."""
    return (Donation.objects.filter(drive=drive, voided_at__isnull=True)
            .select_related("person", "organisation").order_by("received_on", "id"))


def disclosure(request, pk):
    drive = _disclosure_drive(request, pk)
    fmt = request.GET.get("format")
    rows = disclosure_rows(drive)
    s = stats.drive_stats(drive)
    if fmt == "xlsx":
        data = [[d.received_on, d.public_name, d.amount, d.get_channel_display()] for d in rows.iterator(chunk_size=2000)]
        content = write_xlsx(["日期", "捐赠人", "金额（元）", "渠道"], data, title="捐赠公示")
        return xlsx_response(f"{drive.slug}-捐赠公示.xlsx", content)
    if fmt == "pdf":
        pdf = render_pdf("donations/disclosure_print.html", {"drive": drive, "rows": rows, "s": s,
                                                             "today": timezone.localdate()})
        return pdf_response(pdf, f"{drive.slug}-捐赠公示.pdf")
    return _render(request, "donations/disclosure.html", {
        "drive": drive, "page": paginate(request, rows, 100), "s": s,
        "is_staff": scoping.is_staff_member(request.user)})


