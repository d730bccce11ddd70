"""People: list with search and filters, detail, create, edit, reveal, guardians, consents."""

from html import escape

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lehuo.accounts.permissions import may
from lehuo.lib.identity import age_at
from lehuo.people import services
from lehuo.people.forms import ConsentForm, GuardianForm, PersonForm, apply_service_error
from lehuo.people.listing import TAG_SEPARATOR, filter_choices, list_query
from lehuo.people.models import Consent, Person
from lehuo.people.search import SORTS, search_people
from lehuo.platform.errors import ServiceError
from lehuo.platform.paging import paginate_large, query_without

from .common import town_of

SORT_LABELS = {"name": gettext_lazy("姓名拼音"), "-name": gettext_lazy("姓名拼音（倒序）"),
               "age": gettext_lazy("年龄（小到大）"), "-age": gettext_lazy("年龄（大到小）"),
               "-created": gettext_lazy("最近登记"), "created": gettext_lazy("最早登记")}


def list_filters(request) -> dict:
    """The list's filters from its query string (bad values are dropped)."""
    g = request.GET
    nbh = g.get("neighbourhood") or None
    if nbh is not None and not str(nbh).isdigit():
        nbh = None
    sort = g.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    return {"q": g.get("q", ""), "neighbourhood_id": nbh, "tag": g.get("tag", "")[:20], "sort": sort}


def filtered_people(request, *, to: str = "people.person.list"):
    """The people the user may ``to`` (list, export), narrowed by the list's query string."""
    filters = list_filters(request)
    return search_people(services.people_for(request.user, to=to), **filters), filters["sort"]


@login_required
def people_list(request):
    filters = list_filters(request)
    sort = filters["sort"]
    # Plain rows of the columns shown, not Person objects, with each person's tag names.
    read = list_query(request.user, **filters)
    town = town_of(request)
    page = paginate_large(request, read.rows, per_page=50, statement_key=read.statement_key,
                          generic_plans=read.generic_plans)
    neighbourhoods, tags = filter_choices(request.user, town)
    return render(request, "people/people_list.html", {
        "page": page, "rows_html": rows_html(list_rows(page.object_list)), "sort": sort,
        "neighbourhood_options": options_html([(str(n.pk), n.name) for n in neighbourhoods],
                                              filters["neighbourhood_id"] or ""),
        "tag_options": options_html([(t.name, t.name) for t in tags], filters["tag"]),
        "sort_options": options_html(SORT_LABELS.items(), sort),
        "q": filters["q"],
        "filters": query_without(request, "page"), "filters_no_sort": query_without(request, "page", "sort"),
        "may_write": may(request.user, "people.person.create"),
        "may_export_full": may(request.user, "people.person.export_full"),
    })


def list_rows(people) -> list[dict]:
    """Plain values for the list from rows of ``ROW_COLUMNS``: rendering 50 rows of model
    lookups, url tags and related managers costs more than the queries."""
    today = timezone.localdate()
    minor_age = settings.LEHUO_RULES["minor_sensitive_age"]
    detail = reverse("people:person", args=[0]).replace("/0/", "/{}/")
    sexes = {code: str(label) for code, label in Person.SEXES}  # translated once, not per row
    rows = []
    for p in people:
        age = age_at(p.birth_date, today) if p.birth_date else None
        rows.append({
            "url": detail.format(p.pk), "name": p.name, "sex": sexes.get(p.sex, ""), "age": age,
            "minor": age is not None and age < minor_age,
            "neighbourhood": p.neighbourhood__name or "",
            "tags": p.tag_names.split(TAG_SEPARATOR) if p.tag_names else [],
            "id_masked": p.id_number_mask, "phone_masked": p.phone_mask,
        })
    return rows


ROW = ('<tr>\n    <td><a href="{}">{}</a>{}</td>\n    <td>{}</td>\n    <td class="num">{}</td>\n    <td>{}</td>\n'
       '    <td>{}</td>\n    <td class="hide-sm mono">{}</td>\n    <td class="hide-sm mono">{}</td>\n  </tr>\n')


def rows_html(rows: list[dict]) -> str:
    """The table body, every value escaped: 50 rows through the template engine (or through
    ``format_html``, whose per-value checks add up) cost more than every query of the page."""
    if not rows:
        return format_html('<tr><td colspan="7" class="muted">{}</td></tr>', _("没有符合条件的人员"))
    minor = format_html(' <span class="badge warn" title="{}">{}</span>', _("不满14周岁，敏感个人信息"), _("儿童"))
    out = []
    for r in rows:
        tags = " ".join(f'<span class="badge">{escape(t)}</span>' for t in r["tags"])
        out.append(ROW.format(escape(r["url"]), escape(r["name"]), minor if r["minor"] else "", escape(r["sex"]),
                              "" if r["age"] is None else int(r["age"]), escape(r["neighbourhood"]), tags,
                              escape(r["id_masked"]), escape(r["phone_masked"])))
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def options_html(choices, current: str) -> str:
    """A select's ``<option>`` list, ``current`` selected, every value escaped (a template loop
    with a comparison per option cost the list page as much as its rows)."""
    return mark_safe("".join(  # noqa: S308 - every value is escaped
        f'<option value="{escape(value)}"{" selected" if value == current else ""}>{escape(str(label))}</option>'
        for value, label in choices))


@login_required
def person_detail(request, pk):
    person = services.get_person_for(request.user, pk)
    return render(request, "people/person_detail.html", _detail_context(request, person))


def _detail_context(request, person, **extra):
    ctx = {
        "person": person,
        "tags": list(person.tags.all()),
        "guardians": list(person.guardian_links.select_related("guardian")),
        "wards": list(person.ward_links.select_related("child")),
        "consents": list(person.consents.select_related("guardian").order_by("-given_on", "-id")),
        "may_reveal": may(request.user, "people.person.reveal", person),
        "may_write": may(request.user, "people.person.change", person) and not person.erased_at,
        "may_erase": may(request.user, "people.person.erase", person) and not person.erased_at,
        "may_export": may(request.user, "people.person.export_data", person),
        "guardian_form": GuardianForm(),
        "consent_form": ConsentForm(person=person),
    }
    ctx.update(extra)
    return ctx


@login_required
def person_create(request):
    town = services.town_to_register_in(request.user)
    form = PersonForm(request.POST or None, user=request.user, town=town)
    if request.method == "POST":
        valid = form.is_valid()
        try:
            if valid:
                person = services.create_person(request.user, town, **form.service_kwargs())
            else:  # the register's refusals of the other fields too, in the same answer
                services.check_person(request.user, town, skip=set(form.errors), **form.service_kwargs())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            if valid:
                messages.success(request, _("已登记：%(name)s") % {"name": person.name})
                return redirect("people:person", person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": None})


@login_required
def person_edit(request, pk):
    person = services.get_person_for(request.user, pk, to="people.person.change")
    if person.erased_at:
        raise Http404("erased")
    town = person.town
    initial = {
        "name": person.name, "neighbourhood": person.neighbourhood_id, "id_type": person.id_type,
        "sex": person.sex, "birth_date": person.birth_date, "address": person.address,
        "tags": list(person.tags.all()), "notes": person.notes,
    }
    form = PersonForm(request.POST or None, initial=initial, user=request.user, town=town, person=person)
    if request.method == "POST":
        valid = form.is_valid()
        try:
            if valid:
                services.update_person(request.user, person, **form.service_kwargs())
            else:
                services.check_person(request.user, town, person=person, skip=set(form.errors), **form.service_kwargs())
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已保存"))
            return redirect("people:person", person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@require_POST
@login_required
def person_reveal(request, pk):
    person = services.get_person_for(request.user, pk)
    revealed = services.reveal_person(request.user, person, ("id_number", "phone", "address"))
    if request.headers.get("HX-Request"):
        return render(request, "people/_person_identity.html", {"person": person, "revealed": revealed, "may_reveal": True})
    return render(request, "people/person_detail.html", _detail_context(request, person, revealed=revealed))


@require_POST
@login_required
def guardian_add(request, pk):
    child = services.get_person_for(request.user, pk, to="people.person.change")
    form = GuardianForm(request.POST)
    if form.is_valid():
        try:
            guardian = services.link_guardian_by_id_number(request.user, child, form.cleaned_data["guardian_id_number"],
                                                           form.cleaned_data["relation"]).guardian
        except ServiceError as exc:
            form.add_error("guardian_id_number" if exc.field in ("guardian_id", "guardian_id_number") else None,
                           exc.message)
        else:
            messages.success(request, _("已添加监护人：%(name)s") % {"name": guardian.name})
            return redirect("people:person", child.pk)
    return render(request, "people/person_detail.html", _detail_context(request, child, guardian_form=form), status=400)


@require_POST
@login_required
def consent_add(request, pk):
    person = services.get_person_for(request.user, pk, to="people.consent.give")
    form = ConsentForm(request.POST, person=person)
    if form.is_valid():
        try:
            services.record_consent(request.user, person, form.cleaned_data["purpose"].strip(),
                                    given_on=form.cleaned_data["given_on"], guardian=form.cleaned_data["guardian"])
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("已记录同意"))
            return redirect("people:person", person.pk)
    return render(request, "people/person_detail.html", _detail_context(request, person, consent_form=form), status=400)


@require_POST
@login_required
def consent_withdraw(request, pk, consent_pk):
    person = services.get_person_for(request.user, pk, to="people.consent.withdraw")
    consent = Consent.objects.filter(person=person, pk=consent_pk, withdrawn_on__isnull=True).first()
    if consent is None:
        raise Http404("consent")
    services.withdraw_consent(request.user, consent)
    messages.success(request, _("已撤回同意：%(purpose)s") % {"purpose": consent.purpose})
    if request.POST.get("next") == "mine":  # from the resident's own "my data" page
        return redirect("people:my_data")
    return redirect(reverse("people:person", args=[person.pk]))
