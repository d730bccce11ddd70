"""Honours and visits: A about the resident persona's child (绿十一), B about the other family's
child (虹九)."""

import datetime as dt

from lehuo.visits import services


def build(world) -> None:
    admin = world.admin
    records = {}
    for relation in ("A", "B"):
        person = world.record("people.Person", relation)
        honour = services.record_honour(admin, person, title=f"矩阵荣誉{relation}", achieved_on=dt.date(2025, 8, 1),
                                        level="city")
        visit = services.record_visit(admin, person, date=dt.date(2025, 8, 5), visitors=[("副镇长", "李双珑")],
                                      purpose="congratulate", honour=honour, slug=f"matrix-visit-{relation.lower()}")
        records[relation] = (honour, visit)
    world.add("visits.Honour", records["A"][0], records["B"][0])
    world.add("visits.Visit", records["A"][1], records["B"][1])
    child = world.record("people.Person", "A")
    world.bodies.update({
        "POST /api/v1/visits": {"person_id": child.pk, "date": "2025-08-06", "purpose": "care",
                                "visitors": [{"name": "王芳", "title": "书记"}], "slug": "matrix-new-visit"},
        "POST /api/v1/honours": {"person_id": child.pk, "title": "矩阵新荣誉", "achieved_on": "2025-08-01"},
    })
