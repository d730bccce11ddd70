"""Demo: the Olympic swimmer of 新泾 and the vice-mayor's visit to her family (2021-08-05)."""

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction

from lehuo.accounts.models import Neighbourhood
from lehuo.lib.text import pinyin_key
from lehuo.people.demo import make_id_number
from lehuo.people.models import Person
from lehuo.platform.crypto import keyed_hash
from lehuo.platform.images import placeholder_jpeg

from .models import Honour, Visit, Visitor, VisitPhoto

VISIT_SLUG = "2021-08-05-swimmer"
SWIMMER = "唐钱婷"
BIRTH = dt.date(2004, 1, 3)  # 17 on 2021-08-01, as the newsletter says


@transaction.atomic
def load(town, stdout) -> None:
    if Visit.objects.filter(town=town, slug=VISIT_SLUG).exists():
        stdout.write("visits: already loaded")
        return
    import random

    xj = Neighbourhood.objects.get(town=town, code="xj")
    person = Person.objects.filter(town=town, name=SWIMMER, neighbourhood=xj).first()
    if person is None:
        id_number = make_id_number(random.Random(20210801), BIRTH, "F", area="310105")
        person = Person(town=town, neighbourhood=xj, name=SWIMMER, sex="F", birth_date=BIRTH, id_type="ric",
                        id_number=id_number, id_hash=keyed_hash(f"ric:{id_number}"))
        person.name_pinyin, person.name_initials = pinyin_key(SWIMMER)
        person.save()
    honour = Honour.objects.create(
        town=town, person=person, title="东京奥运会女子4x100米混合泳接力第四名", event="2020年东京奥运会（2021年举行）",
        level="world", rank="第四名", result="3分54秒13", achieved_on=dt.date(2021, 8, 1),
        notes="与彭旭玮、张雨霏、杨浚瑄组成中国队",
    )
    visit = Visit.objects.create(
        town=town, slug=VISIT_SLUG, date=dt.date(2021, 8, 5), person=person, neighbourhood=xj,
        household=f"{SWIMMER}家（父母）", purpose=Visit.CONGRATULATE, honour=honour,
        notes="代表镇党委、政府看望唐钱婷的父母，祝贺她在东京奥运会上取得的优异成绩，"
              "详细询问她学习、训练、生活等方面的情况，感谢父母培育出优秀的体育人才。",
    )
    Visitor.objects.create(visit=visit, title="副镇长", name="李双珑", order=0)
    for order, caption in enumerate(["镇领导来到唐钱婷家中祝贺"]):
        photo = VisitPhoto(visit=visit, caption=caption, order=order)
        photo.image.save(f"visit-demo-{order}.jpg", ContentFile(placeholder_jpeg(caption, colour=(9, 105, 218), seed=order)), save=True)
    stdout.write("visits: 1 honour, 1 visit (2021-08-05)")
