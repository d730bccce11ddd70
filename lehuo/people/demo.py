"""The demo town: Xinjing Town (新泾镇), Changning District, Shanghai, in 2021.

Deterministic (seeded) and idempotent: a second run finds what the first made.
Residents are synthetic; their ID numbers are valid but belong to nobody.
"""

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from lehuo.accounts.models import (
    EDITOR,
    PROGRAMME_STAFF,
    SOCIAL_WORKER,
    TOWN_ADMIN,
    VIEWER,
    Membership,
    Neighbourhood,
    Town,
)
from lehuo.lib.text import pinyin_key
from lehuo.platform.crypto import keyed_hash

from .models import Organisation, Person, Tag

DEMO_PASSWORD = "lehuo2021"
TOWN = ("310105013", "新泾镇")
# The six of docs/domain.md first, then more of the town's residents' committees.
NEIGHBOURHOODS = [
    ("lv11", "绿十一", 620), ("tsxc", "天山星城", 540), ("sl", "双流", 480), ("hj9", "虹九", 510),
    ("hy", "淮阴", 450), ("xj", "新泾", 390), ("bhq", "北虹", 420), ("hm", "哈密", 360),
    ("jh", "剑河", 300), ("xjby", "新泾北苑", 580), ("xjjy", "新泾家苑", 470), ("ty", "天義", 260),
]
TAGS = [
    ("党员", "中共党员"), ("学生", "在校学生"), ("居民", "本镇居民"), ("残疾人", "持证残疾人"),
    ("社工", "社区工作者"), ("志愿者", "注册志愿者"), ("五老", "老干部、老战士、老专家、老教师、老模范"),
]
ORGANISATIONS = [
    ("上海市慈善基金会长宁区代表处", "charity"), ("新泾镇社区卫生服务中心", "partner"),
    ("长宁区血液管理办公室", "government"), ("新泾镇团委", "government"),
    ("上海虹桥商务有限公司", "employer"), ("新泾中学", "school"), ("新泾镇第一小学", "school"),
    ("天山路街道联建党支部", "partner"), ("上海剑河物业管理有限公司", "employer"),
    ("长宁区新泾镇社区党群服务中心", "partner"), ("上海绿苑置业有限公司", "employer"),
    ("新泾镇业主委员会联合会", "partner"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉晨浩宇欣怡佳琪雨轩梓涵子豪思远嘉怡一诺紫萱俊杰雪梅海燕春燕国强德明秀英丽华建华玉珍美玲晓东晓红立新卫东桂芳凤英"
AREA_CODES = ["310105", "310104", "310106", "310112", "310115", "320102", "330106", "410105", "340102", "370102"]


def make_id_number(rng: random.Random, birth: dt.date, sex: str, area: str | None = None) -> str:
    """A valid 18-character RIC for a synthetic person (GB 11643 MOD 11-2 check)."""
    area = area or rng.choice(AREA_CODES)
    seq = rng.randrange(0, 50) * 2 + (1 if sex == "M" else 0)
    body = f"{area}{birth:%Y%m%d}{rng.randrange(0, 10)}{seq:02d}"
    weights = [(2 ** (17 - i)) % 11 for i in range(17)]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


def make_name(rng: random.Random) -> str:
    given_len = rng.choice([1, 2, 2, 2])
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_len))


def make_phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "136", "137", "135", "150", "151", "158", "186", "189", "177", "199"]) + f"{rng.randrange(0, 10**8):08d}"


def random_birth(rng: random.Random, age_from: int, age_to: int, on: dt.date = dt.date(2021, 7, 1)) -> dt.date:
    start = dt.date(on.year - age_to - 1, on.month, 1) + dt.timedelta(days=2)
    end = dt.date(on.year - age_from, on.month, 1) - dt.timedelta(days=2)
    return start + dt.timedelta(days=rng.randrange(0, (end - start).days))


def build_person(rng, town, nbh, *, age_from=18, age_to=85, sex=None, name=None) -> Person:
    sex = sex or rng.choice("MF")
    birth = random_birth(rng, age_from, age_to)
    id_number = make_id_number(rng, birth, sex)
    phone = make_phone(rng) if birth.year < 2008 else ""
    person = Person(
        town=town, neighbourhood=nbh, name=name or make_name(rng), sex=sex, birth_date=birth,
        id_type="ric", id_number=id_number, id_hash=keyed_hash(f"ric:{id_number}"),
        phone=phone, phone_hash=keyed_hash(phone) if phone else "", phone_tail=phone[-4:],
    )
    person.name_pinyin, person.name_initials = pinyin_key(person.name)
    return person


def ensure_user(username: str, full_name: str, town: Town, role: str, neighbourhoods=(), title: str = "",
                superuser: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_superuser = user.is_staff = superuser
        user.save()
    if role:
        m, _ = Membership.objects.get_or_create(user=user, town=town, role=role, defaults={"title": title})
        if neighbourhoods:
            m.neighbourhoods.set(neighbourhoods)
    return user


# One demo login per role, printed by `make run` (username, role, what they see).
DEMO_LOGINS = [
    ("admin", "镇管理员 town admin", "全镇所有数据"),
    ("sw_lv11", "绿十一社工 social worker", "绿十一居民区的居民"),
    ("sw_hj9", "虹九社工 social worker", "虹九居民区的居民"),
    ("instructor", "培训讲师 programme staff", "零距离工作室第三期"),
    ("blood_staff", "献血工作人员 programme staff", "2021-07-28献血活动"),
    ("site_head", "暑托班负责人 programme staff", "暑托班办班点"),
    ("editor", "编辑 editor", "《乐活新泾》"),
    ("viewer", "查看者 viewer", "数据看板"),
    ("parent", "家长 resident", "为孩子报名暑托班"),
]


@transaction.atomic
def load_core(stdout, residents: int = 3000) -> Town:
    rng = random.Random(20210810)
    town, _ = Town.objects.get_or_create(code=TOWN[0], defaults={"name": TOWN[1]})
    for order, (name, desc) in enumerate(TAGS):
        Tag.objects.get_or_create(town=town, name=name, defaults={"description": desc, "order": order})
    Tag.objects.get_or_create(town=town, name="共建单位", defaults={"applies_to": Tag.ORGANISATION, "order": 20})
    nbhs = []
    for code, name, households in NEIGHBOURHOODS:
        nbh, _ = Neighbourhood.objects.get_or_create(town=town, code=code, defaults={"name": name, "households": households})
        nbhs.append(nbh)
    for name, kind in ORGANISATIONS:
        org = Organisation.objects.filter(town=town, name=name).first()
        if org is None:
            Organisation(town=town, name=name, kind=kind, neighbourhood=rng.choice(nbhs) if kind == "employer" else None).save()

    by_code = {n.code: n for n in nbhs}
    ensure_user("admin", "镇管理员", town, TOWN_ADMIN, title="镇党政办")
    for n in nbhs:
        ensure_user(f"sw_{n.code}", f"{n.name}社工", town, SOCIAL_WORKER, [n], title="社工")
    ensure_user("instructor", "张龙云", town, PROGRAMME_STAFF, title="零距离工作室负责人")
    ensure_user("blood_staff", "献血工作人员", town, PROGRAMME_STAFF, title="献血办")
    ensure_user("site_head", "暑托班负责人", town, PROGRAMME_STAFF, title="镇团委")
    ensure_user("editor", "编辑", town, EDITOR, title="宣传办")
    ensure_user("viewer", "查看者", town, VIEWER, title="镇领导")
    ensure_user("parent", "家长", town, "", title="")
    ensure_user("superuser", "系统管理员", town, "", superuser=True)

    if Person.objects.filter(town=town).count() >= residents:
        stdout.write(f"people: {town.name} already has its residents")
        return town
    tags = {t.name: t for t in Tag.objects.filter(town=town)}
    people = []
    weights = [n.households or 300 for n in nbhs]
    for _ in range(residents):
        nbh = rng.choices(nbhs, weights=weights)[0]
        roll = rng.random()
        if roll < 0.12:
            p = build_person(rng, town, nbh, age_from=6, age_to=17)
        else:
            p = build_person(rng, town, nbh, age_from=18, age_to=88)
        people.append(p)
    Person.objects.bulk_create(people, batch_size=500)
    people = list(Person.objects.filter(town=town).order_by("pk"))
    links = []
    Through = Person.tags.through
    for p in people:
        age = p.age(dt.date(2021, 7, 1))
        names = ["居民"]
        if age is not None and age < 25:
            names.append("学生")
        if age is not None and age >= 18 and rng.random() < (0.29 if age >= 30 else 0.12):
            names.append("党员")
        if rng.random() < 0.02:
            names.append("残疾人")
        if age is not None and age >= 18 and rng.random() < 0.08:
            names.append("志愿者")
        if age is not None and age >= 60 and rng.random() < 0.08:
            names.append("五老")
        links.extend(Through(person_id=p.pk, tag_id=tags[n].pk) for n in names)
    # Social workers: eight per neighbourhood, aged 25-50, so the training cohort has students.
    for code in by_code:
        workers = [p for p in people if p.neighbourhood_id == by_code[code].pk and 25 <= (p.age(dt.date(2021, 7, 1)) or 0) <= 50][:8]
        links.extend(Through(person_id=p.pk, tag_id=tags["社工"].pk) for p in workers)
    Through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
    parent_user = get_user_model().objects.get(username="parent")
    adult = next(p for p in people if (p.age(dt.date(2021, 7, 1)) or 0) in range(30, 45) and p.neighbourhood_id == by_code["xj"].pk)
    if not Person.objects.filter(account=parent_user).exists():
        Person.objects.filter(pk=adult.pk).update(account=parent_user)
    stdout.write(f"people: {town.name}, {len(nbhs)} neighbourhoods, {len(people)} residents")
    return town
