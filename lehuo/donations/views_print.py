"""Paper, files and the public side: the acknowledgement PDF of one donation, the disclosure
(公示) as a page, xlsx and PDF, and the vouchers of its handovers. Thin: parse, call a service,
render."""

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lehuo.accounts.permissions import may
from lehuo.platform.excel import write_xlsx, xlsx_response
from lehuo.platform.paging import paginate
from lehuo.platform.pdf import pdf_response, render_pdf

from . import public
from .views import _donation, _render


@never_cache
def ack_pdf(request, pk):
    """致谢函 (charity law art. 38: donor, type and amount, organisation, handler, date).
    The official 捐赠票据 comes from the charity; its number shows once recorded. Staff print
    it for the donations they see; a resident for their own gifts."""
    donation = _donation(request, pk, to="donations.donation.acknowledge")
    context = public.acknowledgement(request.user, donation)
    pdf = render_pdf("donations/ack_print.html", context, request=request)
    return pdf_response(pdf, _("致谢函-%(n)s.pdf") % {"n": donation.pk})


def _cached(request, response):
    """The disclosure is the same for every visitor of a public drive: kept 5 minutes by the
    reader's browser; signed-in readers get an answer that is not reused."""
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, max_age=0)
    else:
        # The same page for every visitor (no personal data): a browser may keep it 5 minutes.
        # Not "public": every page carries the CSRF cookie (the language form), which a shared
        # cache must not hand to others.
        patch_cache_control(response, private=True, max_age=300)
    patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


def disclosure(request, pk):
    drive, rows, s = public.disclosure(request.user, pk)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        data = [[d.received_on, d.public_name, d.amount, d.get_channel_display()] for d in rows.iterator(chunk_size=2000)]
        content = write_xlsx([_("日期"), _("捐赠人"), _("金额（元）"), _("渠道")], data, title=_("捐赠公示"))
        return _cached(request, xlsx_response(_("%(drive)s-捐赠公示.xlsx") % {"drive": drive.slug}, content))
    if fmt == "pdf":
        pdf = render_pdf("donations/disclosure_print.html", {"drive": drive, "rows": rows, "s": s,
                                                             "handovers": s["handovers"],
                                                             "today": timezone.localdate()})
        return _cached(request, pdf_response(pdf, _("%(drive)s-捐赠公示.pdf") % {"drive": drive.slug}))
    return _cached(request, _render(request, "donations/disclosure.html", {
        "drive": drive, "page": paginate(request, rows, 100), "s": s, "handovers": s["handovers"],
        "is_staff": may(request.user, "donations.drive.view", drive)}))


def voucher(request, pk):
    """A handover's voucher (凭证): public with its drive's public disclosure, else town admins."""
    handover = public.handover_voucher(request.user, pk)
    try:
        handle = handover.voucher.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404
    response = FileResponse(handle, filename=handover.voucher.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    return _cached(request, response)


@never_cache
def mine(request):
    """我的捐款: a resident's own gifts, receipt numbers and acknowledgements (phone first)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    return _render(request, "donations/mine.html", public.my_donations(request.user))
