"""People: list with search and filters, detail, create, edit, reveal, guardians, consents."""

from collections import namedtuple
from html import escape

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import CharField, IntegerField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lehuo.accounts.models import Neighbourhood
from lehuo.accounts.permissions import may, scope_q
from lehuo.lib.identity import age_at
from lehuo.people import services
from lehuo.people.forms import ConsentForm, GuardianForm, PersonForm, apply_service_error
from lehuo.people.models import Consent, Person, Tag
from lehuo.people.search import SORTS, search_people
from lehuo.platform.errors import ServiceError
from lehuo.platform.paging import paginate_large, query_without

from .common import town_of

SORT_LABELS = {"name": gettext_lazy("姓名拼音"), "-name": gettext_lazy("姓名拼音（倒序）"),
               "age": gettext_lazy("年龄（小到大）"), "-age": gettext_lazy("年龄（大到小）"),
               "-created": gettext_lazy("最近登记"), "created": gettext_lazy("最早登记")}


def filtered_people(request, *, to: str = "people.person.list"):
    """The people the user may ``to`` (list, export), narrowed by the list's query string."""
    g = request.GET
    nbh = g.get("neighbourhood") or None
    if nbh is not None and not str(nbh).isdigit():
        nbh = None
    sort = g.get("sort", "name")
    if sort not in SORTS:
        sort = "name"
    qs = services.people_for(request.user, to=to)
    return search_people(qs, q=g.get("q", ""), neighbourhood_id=nbh, tag=g.get("tag", "")[:20], sort=sort), sort


@login_required
def people_list(request):
    qs, sort = filtered_people(request)
    town = town_of(request)
    # Plain rows of the columns shown, not Person objects; the page's tags come from one flat
    # query in list_rows, not as Tag objects per person.
    rows = qs.prefetch_related(None).annotate(tag_names=tag_names()).values_list(*ROW_COLUMNS, "tag_names", named=True)
    page = paginate_large(request, rows, per_page=50)
    neighbourhoods, tags = filter_choices(request.user, town)
    return render(request, "people/people_list.html", {
        "page": page, "rows_html": rows_html(list_rows(page.object_list)), "sort": sort, "sorts": SORT_LABELS,
        "neighbourhoods": neighbourhoods, "tags": tags,
        "q": request.GET.get("q", ""), "current_nbh": request.GET.get("neighbourhood", ""),
        "current_tag": request.GET.get("tag", ""),
        "filters": query_without(request, "page"), "filters_no_sort": query_without(request, "page", "sort"),
        "may_write": may(request.user, "people.person.create"),
        "may_export_full": may(request.user, "people.person.export_full"),
    })


def filter_choices(user, town) -> tuple[list, list]:
    """The filter bar's choices, (pk, name) each: the neighbourhoods the user may list, in their
    order, and the town's person tags, in theirs; one round trip for both."""
    kind, order, key = (IntegerField(), IntegerField(), CharField())
    nbhs = (Neighbourhood.objects.filter(scope_q(user, "people.person.list", Neighbourhood), town=town)
            .annotate(k=Value(0, kind), o=Value(0, order), s=Cast("name_pinyin", key)).order_by()
            .values_list("k", "o", "s", "pk", "name"))
    tags = (Tag.objects.filter(town=town, applies_to=Tag.PERSON)
            .annotate(k=Value(1, kind), o=Cast("order", order), s=Cast("name", key)).order_by()
            .values_list("k", "o", "s", "pk", "name"))
    choices: tuple[list, list] = ([], [])
    for k, _order, _key, pk, name in nbhs.union(tags, all=True).order_by("k", "o", "s", "pk"):
        choices[k].append(Choice(pk, name))
    return choices


Choice = namedtuple("Choice", "pk name")

# The masked ID number and phone are read as kept (Person.id_number_mask): nothing to decrypt.
ROW_COLUMNS = ("pk", "name", "sex", "birth_date", "neighbourhood__name", "id_number_mask", "phone_mask")


TAG_SEPARATOR = "\x1f"  # the unit separator: never in a tag's name (control characters are refused)


def tag_names() -> RawSQL:
    """A person's tag names, in the tags' order, joined by ``TAG_SEPARATOR``, read with the page's
    rows (one round trip fewer than a query for the page's tags)."""
    person, through, tag = (connection.ops.quote_name(m._meta.db_table)
                            for m in (Person, Person.tags.through, Tag))
    joined = (f"FROM {through} pt JOIN {tag} t ON t.id = pt.tag_id "  # noqa: S608 (names from the models)
              f"WHERE pt.person_id = {person}.id")
    if connection.vendor == "postgresql":
        return RawSQL(f'SELECT string_agg(t.name, chr(31) ORDER BY t."order", t.name) {joined}', ())  # noqa: S608
    # SQLite before 3.44 has no ORDER BY inside an aggregate: it concatenates in its input's order.
    return RawSQL(f'SELECT group_concat(name, char(31)) FROM (SELECT t.name {joined} ORDER BY t."order", t.name)', ())  # noqa: S608


def list_rows(people) -> list[dict]:
    """Plain values for the list from rows of ``ROW_COLUMNS``: rendering 50 rows of model
    lookups, url tags and related managers costs more than the queries."""
    today = timezone.localdate()
    minor_age = settings.LEHUO_RULES["minor_sensitive_age"]
    detail = reverse("people:person", args=[0]).replace("/0/", "/{}/")
    sexes = dict(Person.SEXES)
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
