"""Residents' and public pages, phone first: a drive's public page with sign-up (``join``), the
resident's own blood page (``mine``), cancelling a sign-up, the marrow-registry wish. Thin:
parse, call a service, render."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lehuo.accounts.permissions import may
from lehuo.platform.errors import ServiceError

from . import services
from .eligibility import rules
from .models import SignUp


def who_may_give() -> list[str]:
    """GB 18467 in plain words, from the configured rules (the same the screening applies)."""
    r = rules()
    return [
        gettext("年龄%(min)s至%(max)s周岁；既往献血且无不良反应者可到%(repeat)s周岁。") % {
            "min": r["min_age"], "max": r["max_age_first_time"], "repeat": r["max_age_repeat"]},
        gettext("体重：男性不低于%(m)s公斤，女性不低于%(f)s公斤。") % {
            "m": r["min_weight_kg_male"], "f": r["min_weight_kg_female"]},
        gettext("血压、脉搏、体温正常（现场免费检查）；近一周没有感冒、发热。"),
        gettext("上次献全血已满%(n)s个月。") % {"n": r["whole_blood_interval_months"]},
        gettext("献血前一晚睡好，早餐清淡、不空腹，不饮酒；请带身份证件。"),
    ]


def join(request, slug):
    """A drive's public page: date, place, time slots, who may give; a resident signs up here."""
    drive = services.drive_for(request.user, slug=slug, to="blood.drive.public_view")
    person = services.own_person(request.user)
    resident = person is not None and may(request.user, "blood.signup.self", drive)
    error = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            services.sign_up_self(request.user, drive, time_slot=request.POST.get("time_slot", ""))
            messages.success(request, gettext("报名成功，感谢您的爱心！"))
            return redirect("blood:join", slug=drive.slug)
        except ServiceError as exc:
            if exc.status != 400:
                raise
            error = exc
    signup = None
    if resident:
        signup = SignUp.objects.filter(drive=drive, person=person).exclude(status=SignUp.CANCELLED).first()
    response = render(request, "blood/join.html", {
        "drive": drive, "signup": signup, "error": error, "person": person, "resident": resident,
        "invitation": drive.invitations.order_by("-sent_on").first(), "who_may_give": who_may_give(),
        "ended": drive.last_date < timezone.localdate(), "linked_elsewhere": person is not None and not resident,
    }, status=400 if error else 200)
    if request.user.is_authenticated:
        patch_cache_control(response, no_store=True, private=True)
    else:
        # The same page for every visitor (no personal data): a browser may keep it 5 minutes.
        # Not "public": every page carries the CSRF cookie (the language form), which a shared
        # cache must not hand to others.
        patch_cache_control(response, private=True, max_age=300)
        patch_vary_headers(response, ["Cookie", "Accept-Language"])
    return response


@never_cache
def mine(request):
    """我的献血: sign-ups, donations, units, the next date one may give, the registry."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "blood/mine.html", {**services.my_blood(request.user), "rules": rules()})


@require_POST
def signup_cancel(request, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    signup = services.signup_for(request.user, pk, to="blood.signup.cancel")
    try:
        services.cancel_signup(request.user, signup)
        messages.success(request, gettext("已取消报名"))
    except ServiceError as exc:
        if exc.status != 400:
            raise
        messages.error(request, exc.message)
    if request.POST.get("next") == "join":
        return redirect("blood:join", slug=signup.drive.slug)
    if services.is_drive_staff(request.user, signup.drive) or may(request.user, "blood.signup.add", signup.drive):
        return redirect("blood:signups", slug=signup.drive.slug)
    return redirect("blood:mine")


@require_POST
def stem_cell_interest(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        if request.POST.get("action") == "withdraw":
            services.withdraw_stem_cell_interest(request.user)
            messages.success(request, gettext("已撤回造血干细胞捐献意向"))
        else:
            services.register_stem_cell_interest(request.user)
            messages.success(request, gettext("已登记意向：下次献血时工作人员会为您办理入库登记"))
    except ServiceError as exc:
        if exc.status != 400:
            raise
        messages.error(request, exc.message)
    return redirect("blood:mine")
