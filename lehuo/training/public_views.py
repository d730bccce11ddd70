"""Pages outside the staff workbench: a student's QR check-in, the certificate check."""

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from lehuo.accounts.decorators import resident_required
from lehuo.platform.errors import ServiceError

from . import services
from .models import Certificate


@require_http_methods(["GET", "POST"])
@resident_required
def checkin(request, token: str):
    """GET shows the class and one button; POST marks the student present (or late)."""
    context = {"token": token}
    try:
        session = services.session_from_token(token)
        context["session"] = session
        opens, closes = services.checkin_window(session)
        context.update(opens=opens, closes=closes)
        if request.method == "POST":
            context["done"], context["already"] = services.check_in(request.user, session)
        else:
            services.checkin_status(request.user, session, timezone.now())
    except ServiceError as exc:
        context["error"] = exc.message
        # A code that is not ours (mistyped, forged) shows the page that says so; a POST with
        # it is refused as bad input.
        if exc.code == "bad_token":
            return render(request, "training/checkin.html", context, status=400 if request.method == "POST" else 200)
        return render(request, "training/checkin.html", context, status=403)
    return render(request, "training/checkin.html", context)


def verify(request, code: str):
    """Public: anyone holding the certificate can check it. Shows only what is printed on it,
    with the name partly masked."""
    cert = get_object_or_404(
        Certificate.objects.select_related("enrolment__person", "enrolment__cohort__programme__studio"), code=code)
    name = cert.enrolment.person.name
    masked = name[0] + "*" * (len(name) - 2) + name[-1] if len(name) > 2 else name[0] + "*"
    return render(request, "training/verify.html", {"cert": cert, "masked_name": masked,
                                                     "cohort": cert.enrolment.cohort, "now": timezone.now()})
