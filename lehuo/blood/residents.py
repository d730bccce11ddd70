"""What the blood module adds to the resident home (``resident_links``) and to the public town
home (``public_home``, no personal data): upcoming drives with a sign-up button."""

from django.urls import reverse
from django.utils.translation import gettext

from lehuo.lib.labels import list_separator

from .eligibility import rules
from .services import upcoming_drives


def links(person) -> list[dict]:
    """The resident's own blood page, and the upcoming drives of their town."""
    out = [{"title": gettext("我的献血"), "url": reverse("blood:mine"),
            "description": gettext("报名、献血记录、下次可献血日期、骨髓库登记")}]
    out += [{"title": gettext("报名献血：%(title)s") % {"title": d.title}, "url": reverse("blood:join", args=[d.slug]),
             "description": f"{d.date:%Y-%m-%d} {d.venue}"} for d in upcoming_drives(person.town, 3)]
    return out


def who_may_give_short() -> str:
    r = rules()
    return gettext("%(min)s至%(max)s周岁（既往献血者可到%(repeat)s周岁），男性体重≥%(m)s公斤、女性≥%(f)s公斤，"
                   "身体健康；上次献全血满%(n)s个月。") % {
        "min": r["min_age"], "max": r["max_age_first_time"], "repeat": r["max_age_repeat"],
        "m": r["min_weight_kg_male"], "f": r["min_weight_kg_female"], "n": r["whole_blood_interval_months"]}


def public_home(town) -> list[dict]:
    """Upcoming drives of ``town`` for the town home: date, place, time slots, who may give,
    and the drive's page with its sign-up button."""
    cards = []
    for d in upcoming_drives(town):
        lines = [f"{d.date:%Y-%m-%d}" + (f" – {d.end_date:%Y-%m-%d}" if d.end_date else "") + (f" · {d.venue}" if d.venue else "")]
        if d.time_slots:
            lines.append(gettext("时段：%(slots)s") % {"slots": list_separator().join(d.time_slots)})
        lines.append(gettext("谁可以献血：%(who)s") % {"who": who_may_give_short()})
        cards.append({"title": gettext("无偿献血：%(title)s") % {"title": d.title},
                      "url": reverse("blood:join", args=[d.slug]), "lines": lines, "when": d.date,
                      "action": gettext("我要报名"), "kind": "blood"})
    return cards
