"""A city-sized data set for Lehuo, loaded with PostgreSQL COPY into a scratch database.

    .venv/bin/python bench/scale_data.py --scale 0.01 --reset   # quick: 10,000 people
    .venv/bin/python bench/scale_data.py --reset                 # full: the figures below

At ``--scale 1``: 10 towns/subdistricts (长宁区's ten), 6,000 neighbourhoods, 1,000,000 people
(with tags, valid ID numbers and real ciphertext), 50 donation drives with 5,000,000 donations,
2,500 blood drives with 500,000 blood donations (each with its passing screening, plus
deferred screenings, sign-ups and stem-cell registry sign-ups with consent), 800 day-care
sites with 1,600 offerings, their enrolments (confirmed, waiting list, cancelled), children,
guardians, consents and daily arrivals.

Everything goes into ``lehuo_scale`` on 127.0.0.1 (``--db`` to change), created and migrated
here if missing. Idempotent: a database that already holds the data set is left alone (the
counts are printed); ``--reset`` drops and recreates the database first. Deterministic
(seeded), except the ciphertext (Fernet has a random IV).

Encryption: every encrypted column holds real ciphertext of its own value, made with
``lehuo.platform.crypto.encrypt`` / ``keyed_hash`` in a multiprocessing pool (no pre-encrypted
pool of values is reused). The keys are the bench keys below unless ``LEHUO_FIELD_KEYS`` /
``LEHUO_HASH_KEY`` are set; ``bench/scale_measure.py`` uses the same ones.

Ids are assigned here (rows reference each other) and the identity sequences are moved past
them at the end; a ``VACUUM ANALYZE`` follows so the planner sees the real sizes.
"""

import argparse
import array
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
DEFAULT_DB = "lehuo_scale"
# The same bench keys as bench/enrol_burst.py, so its burst can run in this database too.
FIELD_KEYS = os.environ.get("LEHUO_FIELD_KEYS", "YmVuY2gta2V5LWxlaHVvLWJlbmNoLWtleS1sZWh1by0=")
HASH_KEY = os.environ.get("LEHUO_HASH_KEY", "bench-only-hash-key")
SEED = 20210728
REF_DAY = dt.date(2021, 7, 1)  # ages are counted on this day, as in the demo town
NOW = "2021-08-20 10:00:00+08"
TOWN_CODE_PREFIX = "scale"

TOWNS = ["新泾镇", "天山路街道", "仙霞新村街道", "虹桥街道", "周家桥街道", "江苏路街道", "华阳路街道",
         "北新泾街道", "程家桥街道", "新华路街道"]
NBH_BASES = ["绿园", "天山", "虹桥", "仙霞", "剑河", "哈密", "淮阴", "双流", "新泾", "北虹", "古北", "茅台",
             "威宁", "延安", "中山", "长宁", "武夷", "番禺", "定西", "凯旋", "华阳", "江苏", "愚园", "法华"]
CN_NUM = "一二三四五六七八九十"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文辉晨浩宇欣怡佳琪雨轩梓涵子豪思远嘉诺紫萱俊雪梅海燕春东立新卫凤德珍美玲晓"
# Area codes that stdnum's full table accepts for every birth year used here (Shanghai, Beijing).
AREA_CODES = ["310105", "310104", "310106", "310101", "310107", "310109", "310110", "110101", "110102", "110105"]
TAGS = ["党员", "学生", "居民", "残疾人", "社工", "志愿者", "五老"]
ORG_KINDS = ["partner", "employer", "school", "charity", "government", "other"]
PHONE_PREFIXES = ["138", "139", "136", "137", "135", "150", "151", "158", "186", "189", "177", "199"]
AMOUNTS = [10, 20, 20, 50, 50, 100, 100, 100, 200, 200, 500, 1000]
METHODS_ONLINE = ["wechat", "wechat", "alipay", "bank"]
METHODS_OFFLINE = ["cash", "cash", "bank", "other"]
DRIVE_WEIGHTS = [0.45, 0.25, 0.15, 0.10, 0.05]  # per town: one big campaign, smaller ones
BLOOD_PER_DRIVE = 200
PER_DRIVE_ID_BLOCK = 1000  # ids of a blood drive's sign-ups / screenings / donations: g*1000 + k
ID_CHUNKS = 100  # people are made in 100 chunks; a chunk owns a slice of the ID-number space

# Filled in the parent before a pool is forked; the workers read them (fork start method).
G: dict = {}


def full_sizes(scale: float) -> dict:
    return {
        "towns": len(TOWNS),
        "neighbourhoods": max(len(TOWNS), round(6000 * scale)),
        "people": max(1000, round(1_000_000 * scale)),
        "donations": max(1000, round(5_000_000 * scale)),
        "blood_donations": max(200, round(500_000 * scale)),
        "sites": max(len(TOWNS), round(800 * scale)),
        "orgs_per_town": 40,
    }


# ---------------------------------------------------------------------------------- helpers

def q(value) -> str:
    """One field in COPY text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    s = str(value)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def line(*fields) -> str:
    return "\t".join(map(q, fields)) + "\n"


def ric(area: str, birth: dt.date, digit: int, seq: int) -> str:
    """An 18-character RIC with its GB 11643 MOD 11-2 check (as lehuo.people.demo.make_id_number)."""
    body = f"{area}{birth:%Y%m%d}{digit}{seq:02d}"
    weights = [(2 ** (17 - i)) % 11 for i in range(17)]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def birth_between(rng: random.Random, age_from: int, age_to: int) -> dt.date:
    start = dt.date(REF_DAY.year - age_to - 1, REF_DAY.month, 1) + dt.timedelta(days=2)
    end = dt.date(REF_DAY.year - age_from, REF_DAY.month, 1) - dt.timedelta(days=2)
    return start + dt.timedelta(days=rng.randrange(0, (end - start).days))


def age_on(birth_ordinal: int, day: dt.date = REF_DAY) -> int:
    b = dt.date.fromordinal(birth_ordinal)
    return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


def timed(label: str):
    class _T:
        def __enter__(self):
            self.t0 = time.perf_counter()
            return self

        def __exit__(self, *exc):
            self.s = time.perf_counter() - self.t0
            rows = getattr(self, "rows", None)
            rate = f"  {rows / self.s:>9,.0f} rows/s" if rows and self.s else ""
            shown = f"{rows:>10,}" if rows is not None else " " * 10
            print(f"  {label:<28} {shown}  {self.s:7.1f} s{rate}", flush=True)
    return _T()


# Big tables are loaded the bulk way: emptied in the loading transaction so COPY may FREEZE
# (rows born all-visible: no vacuum pass later), secondary indexes dropped first and built
# once afterwards (faster than maintaining them row by row). Constraints stay in place.
BULK_TABLES = {"people_person", "people_person_tags", "donations_donation", "blood_signup", "blood_screening",
               "blood_donation", "daycare_arrival"}


def copy_rows(conn, table: str, columns: list[str], chunks) -> int:
    """COPY an iterable of text chunks (already formatted lines) into ``table``."""
    n, bulk, indexes = 0, False, []
    with conn.cursor() as cur:
        if table in BULK_TABLES and not cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:  # noqa: S608
            bulk = True
            cur.execute(f"TRUNCATE {table} CASCADE")  # empty, and so are the tables referencing it (loaded later)
            indexes = cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                (table, table)).fetchall()
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN{' (FREEZE)' if bulk else ''}") as cp:
            for chunk in chunks:
                if isinstance(chunk, tuple):  # (text, row count)
                    text, rows = chunk
                else:
                    text, rows = chunk, chunk.count("\n")
                cp.write(text.encode() if isinstance(text, str) else text)
                n += rows
        if indexes:
            t0 = time.perf_counter()
            for _name, sql in indexes:
                cur.execute(sql)
            label = f"{table}: {len(indexes)} indexes"
            print(f"  {label:<39}  {time.perf_counter() - t0:7.1f} s", flush=True)
    return n


# ---------------------------------------------------------------------------------- workers

def _init_worker():
    import django

    django.setup()


def make_people_chunk(args) -> tuple:
    """People ``start_id .. start_id+count-1``: TSV lines and compact metadata arrays."""
    from lehuo.lib.identity import mask_id_number, mask_phone
    from lehuo.platform.crypto import encrypt, keyed_hash

    chunk, start_id, count = args
    rng = random.Random(SEED * 1000 + chunk)
    towns, nbhs_by_town, names = G["town_ids"], G["nbhs_by_town"], G["names"]
    area, digit = AREA_CODES[(chunk // 10) % 10], chunk % 10
    used: set = set()
    out, town_idx, nbh_ids, births, sexes = [], array.array("b"), array.array("q"), array.array("i"), bytearray()
    for k in range(count):
        pid = start_id + k
        t = rng.randrange(len(towns))
        nbh_id, nbh_name = rng.choice(nbhs_by_town[t])
        sex = rng.choice("MF")
        birth = birth_between(rng, 6, 17) if rng.random() < 0.12 else birth_between(rng, 18, 88)
        while True:  # unique in the chunk; chunks own disjoint (area, digit) pairs, so unique overall
            seq = rng.randrange(0, 50) * 2 + (1 if sex == "M" else 0)
            if (birth, seq) not in used:
                used.add((birth, seq))
                break
        id_number = ric(area, birth, digit, seq)
        name, pinyin, initials = names[rng.randrange(len(names))]
        if birth.year < 2008:
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(0, 10**8):08d}"
            phone_enc, phone_hash, tail, phone_mask = encrypt(phone), keyed_hash(phone), phone[-4:], mask_phone(phone)
        else:
            phone_enc = phone_hash = tail = phone_mask = ""
        out.append(line(pid, towns[t], nbh_id, name, pinyin, initials, sex, birth.isoformat(), "ric",
                        encrypt(id_number), keyed_hash(f"ric:{id_number}"), phone_enc, phone_hash, tail,
                        mask_id_number(id_number), phone_mask,
                        f"{nbh_name}{rng.randrange(1, 200)}号{rng.randrange(1, 30)}0{rng.randrange(1, 5)}室",
                        "", NOW, NOW, None, None))
        town_idx.append(t)
        nbh_ids.append(nbh_id)
        births.append(birth.toordinal())
        sexes.append(ord(sex))
    return "".join(out), count, town_idx.tobytes(), nbh_ids.tobytes(), births.tobytes(), bytes(sexes)


def make_donation_chunk(args) -> tuple:
    """Donations of one drive, ids ``base_id ..``; person donors are adults of the drive's town."""
    chunk, base_id, count, drive = args
    rng = random.Random(SEED * 7 + chunk)
    drive_id, t, starts_on, days, ref_prefix = drive
    adults, nbh_of, town_nbhs, orgs = G["adults_by_town"][t], G["nbh_of"], G["nbh_ids_by_town"][t], G["orgs_by_town"][t]
    first_pid = G["first_pid"]
    out = []
    for k in range(count):
        did = base_id + k
        roll = rng.random()
        person = org = None
        donor_name, anonymous, named = "", False, rng.random() < 0.3
        online = rng.random() < 0.6
        if roll < 0.75:
            person = adults[rng.randrange(len(adults))]
            nbh = nbh_of[person - first_pid]
        elif roll < 0.83:
            org = orgs[rng.randrange(len(orgs))]
            nbh = None if online else town_nbhs[rng.randrange(len(town_nbhs))]
        else:
            anonymous = rng.random() < 0.35
            donor_name = "" if anonymous else rng.choice(SURNAMES) + "先生女士"[rng.randrange(2) * 2:][:2]
            nbh = None if online else town_nbhs[rng.randrange(len(town_nbhs))]
        amount = Decimal(rng.choice(AMOUNTS)) + (Decimal(rng.randrange(1, 100)) / 100 if rng.random() < 0.1 else 0)
        channel = "online" if online else "offline"
        method = rng.choice(METHODS_ONLINE if online else METHODS_OFFLINE)
        reference = f"{ref_prefix}{did:012d}" if online else ""
        received = dt.date.fromordinal(starts_on + rng.randrange(days))
        voided = rng.random() < 0.005
        out.append(line(did, drive_id, person, org, donor_name, anonymous, named, f"{amount:.2f}", channel, method,
                        received.isoformat(), reference, nbh, "", "", "import", None, NOW,
                        NOW if voided else None, None, "重复录入" if voided else ""))
    return "".join(out), count


def make_blood_chunk(args) -> tuple:
    """Blood drives g0..: sign-ups, screenings (encrypted measurements / reasons), donations,
    stem-cell sign-ups with their consents. Ids per drive: g*1000 + k."""
    from lehuo.platform.crypto import encrypt

    chunk, drives = args
    rng = random.Random(SEED * 13 + chunk)
    donors_by_town, organisations = G["blood_age_by_town"], G["orgs_by_town"]
    signups, screenings, donations, stems = [], [], [], []
    for g, drive_id, t, day_ord, n_donations in drives:
        day = dt.date.fromordinal(day_ord)
        pool = donors_by_town[t]
        n_deferred = round(n_donations * 0.15)
        n_no_show = round(n_donations * 0.10)
        n_cancelled = round(n_donations * 0.03)
        total = n_donations + n_deferred + n_no_show + n_cancelled
        assert total < PER_DRIVE_ID_BLOCK, "too many per drive for the id block"
        people = rng.sample(pool, total) if total <= len(pool) else [rng.choice(pool) for _ in range(total)]
        people = list(dict.fromkeys(people))
        base = g * PER_DRIVE_ID_BLOCK + 1
        queue = stem_n = 0
        for k, pid in enumerate(people):
            if k < n_donations:
                status = "donated"
            elif k < n_donations + n_deferred:
                status = "deferred"
            elif k < n_donations + n_deferred + n_no_show:
                status = "signed_up"
            else:
                status = "cancelled"
            arrived = status in ("donated", "deferred")
            if arrived:
                queue += 1
            org = organisations[t][rng.randrange(len(organisations[t]))] if rng.random() < 0.2 else None
            signups.append(line(base + k, rng.choice(["08:30-10:00", "10:00-11:30", "13:00-14:30", ""]),
                                "employer" if org else "committee", status, queue if arrived else None,
                                f"{day.isoformat()} 09:{k % 60:02d}:00+08" if arrived else None,
                                f"{(day - dt.timedelta(days=20)).isoformat()} 10:00:00+08", None, drive_id, org, pid))
            if not arrived:
                continue
            eligible = status == "donated"
            m = {"weight_kg": str(rng.randrange(48, 95)), "systolic": str(rng.randrange(95, 139)),
                 "diastolic": str(rng.randrange(62, 89)), "pulse": str(rng.randrange(62, 98)),
                 "temperature_c": f"36.{rng.randrange(1, 9)}", "haemoglobin_g_l": str(rng.randrange(121, 160)),
                 "answers": {}, "feels_well": True, "endurance_athlete": False,
                 "checks": {"health_code": True}, "kind": "whole"}
            reasons = []
            if not eligible:
                m["systolic"] = str(rng.randrange(140, 160))
                until = (day + dt.timedelta(days=1)).isoformat()
                reasons = [{"code": "systolic", "message": f"收缩压{m['systolic']}mmHg，须≥90且<140", "until": until}]
            screenings.append(line(base + k, day.isoformat(), f"{day.isoformat()} 09:{k % 60:02d}:30+08", eligible,
                                   None if eligible else (day + dt.timedelta(days=1)).isoformat(), False,
                                   encrypt(json.dumps(m, ensure_ascii=False)),
                                   encrypt(json.dumps(reasons, ensure_ascii=False)), None, "", drive_id, pid, None))
            if eligible:
                volume = rng.choice([200, 300, 300, 400, 400, 400])
                donations.append(line(base + k, "", day.isoformat(), "whole", volume, f"{volume / 200:.2f}",
                                      f"B{drive_id:05d}{k:04d}", f"ZS{drive_id:05d}{k:04d}", rng.random() < 0.01,
                                      f"{day.isoformat()} 10:00:00+08", None, "", None, pid, drive_id, base + k))
                age = age_on(G["birth_of"][pid - G["first_pid"]], day)
                if age <= 45 and rng.random() < 0.06 and stem_n < 99:
                    stem_n += 1
                    stems.append((g, g * 100 + stem_n, pid, day, drive_id))
    stem_lines, consent_lines = [], []
    for _g, cid, pid, day, drive_id in stems:
        consent_lines.append(line(cid, "stem_cell_registry", "self", day.isoformat(), None, None, None, pid))
        relatives = [{"name": "家属", "relation": "配偶", "phone": "139" + f"{rng.randrange(10**8):08d}"}]
        stem_lines.append(line(cid, encrypt(json.dumps(relatives, ensure_ascii=False)), rng.random() < 0.5,
                               day.isoformat(), None, "", cid, None, drive_id, pid))
    return ("".join(signups), "".join(screenings), "".join(donations), "".join(consent_lines), "".join(stem_lines),
            len(signups), len(screenings), len(donations), len(stems))


# ---------------------------------------------------------------------------------- database

def connect(db: str):
    import psycopg

    return psycopg.connect(f"{PG}/{db}", autocommit=False)


def ensure_database(db: str, reset: bool) -> None:
    import psycopg

    assert db.startswith("lehuo_scale"), "only lehuo_scale* databases are ever dropped or created here"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone()
        if exists and reset:
            with timed(f"drop database {db}"):
                conn.execute(f'DROP DATABASE "{db}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{db}"')
    with psycopg.connect(f"{PG}/{db}") as conn:
        if conn.execute("SELECT to_regclass('accounts_town')").fetchone()[0] and conn.execute(
                "SELECT to_regclass('daycare_arrival')").fetchone()[0]:
            return
    with timed("migrate"):
        env = {**os.environ, "DATABASE_URL": f"{PG}/{db}", "DEBUG": "1", "LEHUO_FIELD_KEYS": FIELD_KEYS,
               "LEHUO_HASH_KEY": HASH_KEY}
        subprocess.run([sys.executable, "-m", "lehuo", "migrate", "-v0"], cwd=ROOT, env=env, check=True)


def counts(conn) -> dict:
    tables = ["accounts_town", "accounts_neighbourhood", "people_person", "people_person_tags", "people_organisation",
              "donations_drive", "donations_donation", "blood_drive", "blood_signup", "blood_screening",
              "blood_donation", "blood_stemcellsignup", "daycare_site", "daycare_offering", "daycare_child",
              "daycare_enrolment", "daycare_arrival", "people_guardianlink", "people_consent"]
    with conn.cursor() as cur:
        return {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608 (fixed names)


# ---------------------------------------------------------------------------------- phases

def load_towns(conn, sizes: dict, rng: random.Random) -> None:
    from lehuo.lib.text import pinyin_key

    n_towns, n_nbh = sizes["towns"], sizes["neighbourhoods"]
    towns = [(i + 1, f"{TOWN_CODE_PREFIX}{i + 1:02d}", TOWNS[i]) for i in range(n_towns)]
    with timed("accounts_town") as t:
        t.rows = copy_rows(conn, "accounts_town", ["id", "code", "name"], ["".join(line(*r) for r in towns)])
    nbh_rows, nbhs_by_town = [], [[] for _ in towns]
    for i in range(n_nbh):
        ti = i % n_towns
        k = i // n_towns
        base = NBH_BASES[k % len(NBH_BASES)]
        name = f"{base}{CN_NUM[(k // len(NBH_BASES)) % 10]}村{k // (len(NBH_BASES) * 10) + 1}居民区"
        nbh_rows.append(line(i + 1, f"n{k + 1:04d}", name, pinyin_key(name)[0], rng.randrange(300, 1500), ti + 1))
        nbhs_by_town[ti].append((i + 1, name))
    with timed("accounts_neighbourhood") as t:
        t.rows = copy_rows(conn, "accounts_neighbourhood", ["id", "code", "name", "name_pinyin", "households", "town_id"],
                           ["".join(nbh_rows)])
    tag_rows, tag_ids = [], []
    for ti in range(n_towns):
        ids = {}
        for order, name in enumerate(TAGS):
            tid = ti * 20 + order + 1
            ids[name] = tid
            tag_rows.append(line(tid, name, "person", "", order, ti + 1))
        tag_rows.append(line(ti * 20 + 19, "共建单位", "organisation", "", 20, ti + 1))
        tag_ids.append(ids)
    with timed("people_tag") as t:
        t.rows = copy_rows(conn, "people_tag", ["id", "name", "applies_to", "description", '"order"', "town_id"],
                           ["".join(tag_rows)])
    from lehuo.platform.crypto import encrypt

    org_rows, orgs_by_town = [], []
    for ti in range(n_towns):
        ids = []
        for k in range(sizes["orgs_per_town"]):
            oid = ti * 1000 + k + 1
            kind = ORG_KINDS[k % len(ORG_KINDS)]
            name = f"{TOWNS[ti]}{['共建', '辖区', '学校', '慈善', '机关', '其他'][k % 6]}单位{k + 1}号"
            phone = "021" + f"{rng.randrange(10**8):08d}"
            org_rows.append(line(oid, name, pinyin_key(name)[0], kind, "联系人", encrypt(phone), "", None, ti + 1))
            ids.append(oid)
        orgs_by_town.append(ids)
    with timed("people_organisation") as t:
        t.rows = copy_rows(conn, "people_organisation", ["id", "name", "name_pinyin", "kind", "contact_name",
                                                       "contact_phone", "address", "neighbourhood_id", "town_id"],
                           ["".join(org_rows)])
    G.update(town_ids=[t[0] for t in towns], nbhs_by_town=nbhs_by_town, tag_ids=tag_ids, orgs_by_town=orgs_by_town,
             nbh_ids_by_town=[[n for n, _ in nb] for nb in nbhs_by_town])


def name_pool(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """Distinct names with their pinyin (names repeat in a city: people draw from this pool)."""
    from lehuo.lib.text import pinyin_key

    seen: dict[str, tuple] = {}
    while len(seen) < n:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2, 2])))
        if name not in seen:
            seen[name] = (name, *pinyin_key(name))
    return list(seen.values())


def load_people(conn, sizes: dict, rng: random.Random, workers: int) -> None:
    n = sizes["people"]
    with timed("name pool (pinyin)") as t:
        G["names"] = name_pool(min(30_000, max(2_000, n // 20)), rng)
        t.rows = len(G["names"])
    per = -(-n // ID_CHUNKS)
    jobs = [(c, c * per + 1, min(per, n - c * per)) for c in range(ID_CHUNKS) if c * per < n]
    town_idx, nbh_of, birth_of, sex_of = array.array("b"), array.array("q"), array.array("i"), bytearray()
    cols = ["id", "town_id", "neighbourhood_id", "name", "name_pinyin", "name_initials", "sex", "birth_date",
            "id_type", "id_number", "id_hash", "phone", "phone_hash", "phone_tail", "id_number_mask", "phone_mask",
            "address", "notes",
            "created_at", "updated_at", "erased_at", "account_id"]

    def chunks(pool):
        for text, count, tb, nb, bb, sb in pool.imap(make_people_chunk, jobs):  # in order: ids stay aligned
            town_idx.frombytes(tb)
            nbh_of.frombytes(nb)
            birth_of.frombytes(bb)
            sex_of.extend(sb)
            yield text, count

    with timed("people_person (+encrypt)") as t, mp.get_context("fork").Pool(workers, _init_worker) as pool:
        t.rows = copy_rows(conn, "people_person", cols, chunks(pool))
    with timed("people_person: later pinyin words") as t:
        # What Person.pinyin_w2..w4 keep on every ORM write (people migration 0004 fills them alike).
        words = "string_to_array(name_pinyin, ' ')"
        sets = ", ".join(f"pinyin_w{k} = COALESCE(array_to_string(({words})[{k}:], ' '), '')" for k in (2, 3, 4))
        t.rows = conn.execute(f"UPDATE people_person SET {sets} WHERE name_pinyin LIKE '% %'").rowcount  # noqa: S608
    G.update(first_pid=1, town_idx=town_idx, nbh_of=nbh_of, birth_of=birth_of, sex_of=sex_of)

    # Who is who, by town, for the later phases.
    n_towns = sizes["towns"]
    adults = [[] for _ in range(n_towns)]
    blood_age = [[] for _ in range(n_towns)]
    pupils = [[] for _ in range(n_towns)]
    for i in range(n):
        age = age_on(birth_of[i])
        t_ = town_idx[i]
        if age >= 18:
            adults[t_].append(i + 1)
            if age <= 55:
                blood_age[t_].append(i + 1)
        elif 6 <= age <= 12:
            pupils[t_].append(i + 1)
    G.update(adults_by_town=adults, blood_age_by_town=blood_age, pupils_by_town=pupils)

    def tag_lines():
        lid, buf = 0, []
        trng = random.Random(SEED + 5)
        for i in range(n):
            age = age_on(birth_of[i])
            ids = G["tag_ids"][town_idx[i]]
            names = ["居民"]
            if age < 25:
                names.append("学生")
            if age >= 18 and trng.random() < (0.29 if age >= 30 else 0.12):
                names.append("党员")
            if trng.random() < 0.02:
                names.append("残疾人")
            if age >= 18 and trng.random() < 0.08:
                names.append("志愿者")
            if age >= 60 and trng.random() < 0.08:
                names.append("五老")
            if 25 <= age <= 50 and trng.random() < 0.005:
                names.append("社工")
            for name in names:
                lid += 1
                buf.append(f"{lid}\t{i + 1}\t{ids[name]}\n")
            if len(buf) >= 50_000:
                yield "".join(buf)
                buf = []
        if buf:
            yield "".join(buf)

    with timed("people_person_tags") as t:
        t.rows = copy_rows(conn, "people_person_tags", ["id", "person_id", "tag_id"], tag_lines())


def load_donations(conn, sizes: dict, rng: random.Random, workers: int) -> None:
    n_towns, total = sizes["towns"], sizes["donations"]
    drive_rows, drives = [], []
    campaigns = [("henan-flood-2021", "河南水灾救灾募捐", dt.date(2021, 7, 22), 30),
                 ("covid-2020", "抗击新冠肺炎疫情募捐", dt.date(2020, 1, 28), 60),
                 ("charity-day-2020", "“蓝天下的至爱”慈善募捐", dt.date(2020, 1, 6), 45),
                 ("yunnan-2019", "对口帮扶云南募捐", dt.date(2019, 9, 1), 60),
                 ("elderly-2021", "关爱独居老人募捐", dt.date(2021, 3, 1), 30)]
    for ti in range(n_towns):
        for k, (slug, title, starts, days) in enumerate(campaigns):
            drive_id = ti * 10 + k + 1
            drive_rows.append(line(drive_id, f"{slug}-{TOWN_CODE_PREFIX}{ti + 1:02d}", f"{TOWNS[ti]}{title}", "",
                                   starts.isoformat(), (starts + dt.timedelta(days=days - 1)).isoformat(),
                                   True, True, "", None, False, "", NOW, None, G["orgs_by_town"][ti][3], ti + 1))
            drives.append((drive_id, ti, starts.toordinal(), days, f"T{ti + 1:02d}{k}"))
    with timed("donations_drive") as t:
        t.rows = copy_rows(conn, "donations_drive", ["id", "slug", "title", "purpose", "starts_on", "ends_on",
                                                     "accepts_online", "accepts_offline", "platform", "target",
                                                     "disclosure_public", "disclosure_note", "created_at",
                                                     "created_by_id", "organiser_id", "town_id"], ["".join(drive_rows)])
    per_town = total // n_towns
    jobs, next_id, chunk = [], 1, 0
    step = 50_000
    for d in drives:
        k = int(d[4][-1])
        n = round(per_town * DRIVE_WEIGHTS[k])
        for start in range(0, n, step):
            jobs.append((chunk, next_id, min(step, n - start), d))
            next_id += min(step, n - start)
            chunk += 1
    cols = ["id", "drive_id", "person_id", "organisation_id", "donor_name", "anonymous", "named_consent", "amount",
            "channel", "method", "received_on", "reference", "neighbourhood_id", "receipt_number", "notes", "source",
            "recorded_by_id", "created_at", "voided_at", "voided_by_id", "void_reason"]
    with timed("donations_donation") as t, mp.get_context("fork").Pool(workers) as pool:
        t.rows = copy_rows(conn, "donations_donation", cols, pool.imap_unordered(make_donation_chunk, jobs))


def load_blood(conn, sizes: dict, rng: random.Random, workers: int) -> None:
    n_towns, total = sizes["towns"], sizes["blood_donations"]
    n_drives = max(n_towns, round(total / BLOOD_PER_DRIVE))
    drive_rows, drives = [], []
    per_town = -(-n_drives // n_towns)
    first = dt.date(2015, 1, 10)
    for g in range(n_drives):
        ti, k = g % n_towns, g // n_towns
        day = first + dt.timedelta(days=(k * 2555) // per_town)  # spread over 2015-2021, >= 10 days apart
        if ti == 0 and abs((day - dt.date(2021, 7, 28)).days) <= 2555 // per_town // 2:
            day = dt.date(2021, 7, 28)  # the newsletter's drive date, for the nearest drive of town 1
        drive_id = g + 1
        n = total // n_drives + (1 if g < total % n_drives else 0)
        drive_rows.append(line(drive_id, day.isoformat(), f"{TOWNS[ti]}{day:%Y年%m月%d日}无偿献血", day.isoformat(),
                               None, f"{TOWNS[ti]}社区党群服务中心", "区血液管理办公室", n, '["health_code"]',
                               '["08:30-10:00", "10:00-11:30", "13:00-14:30"]', NOW, ti + 1))
        drives.append((g, drive_id, ti, day.toordinal(), n))
    with timed("blood_drive") as t:
        t.rows = copy_rows(conn, "blood_drive", ["id", "slug", "title", "date", "end_date", "venue", "organiser",
                                                 "target_donors", "extra_checks", "time_slots", "created_at",
                                                 "town_id"], ["".join(drive_rows)])
    jobs = [(c, drives[i:i + 25]) for c, i in enumerate(range(0, len(drives), 25))]
    results = []
    with timed("blood (make +encrypt)") as t, mp.get_context("fork").Pool(workers, _init_worker) as pool:
        results = list(pool.imap_unordered(make_blood_chunk, jobs))
        t.rows = sum(r[6] for r in results)
    specs = [
        ("blood_signup", 0, 5, ["id", "time_slot", "source", "status", "queue_number", "arrived_at", "created_at",
                                "created_by_id", "drive_id", "organisation_id", "person_id"]),
        ("blood_screening", 1, 6, ["id", "screened_on", "screened_at", "eligible", "eligible_on", "permanent",
                                   "measurements", "reasons", "voided_at", "void_reason", "drive_id", "person_id",
                                   "staff_id"]),
        ("blood_donation", 2, 7, ["id", "place", "donated_on", "kind", "volume_ml", "units", "bag_number",
                                  "certificate_number", "adverse_reaction", "created_at", "voided_at", "void_reason",
                                  "created_by_id", "person_id", "drive_id", "screening_id"]),
        ("people_consent", 3, 8, ["id", "purpose", "given_by", "given_on", "withdrawn_on", "recorded_by_id",
                                "guardian_id", "person_id"]),
        ("blood_stemcellsignup", 4, 8, ["id", "relatives", "sample_taken", "signed_on", "voided_at", "void_reason",
                                        "consent_id", "created_by_id", "drive_id", "person_id"]),
    ]
    for table, text_i, n_i, cols in specs:
        with timed(table) as t:
            t.rows = copy_rows(conn, table, cols, ((r[text_i], r[n_i]) for r in results))
    G["blood_consent_max"] = (n_drives + 1) * 100


def load_daycare(conn, sizes: dict, rng: random.Random) -> None:
    n_towns, n_sites = sizes["towns"], sizes["sites"]
    years, terms = [], []
    for ti in range(n_towns):
        years.append(line(ti + 1, 2021, f"2021年{TOWNS[ti]}爱心暑托班", ti + 1))
        terms.append(line(ti * 2 + 1, 1, "2021-07-05", "2021-07-23", ti + 1))
        terms.append(line(ti * 2 + 2, 2, "2021-07-26", "2021-08-13", ti + 1))
    with timed("daycare_year/term") as t:
        t.rows = copy_rows(conn, "daycare_year", ["id", "year", "title", "town_id"], ["".join(years)])
        t.rows += copy_rows(conn, "daycare_term", ["id", "number", "starts_on", "ends_on", "year_id"], ["".join(terms)])
    courses = []
    for ti in range(n_towns):
        for k, (cat, name) in enumerate([("de", "红色故事会"), ("de", "垃圾分类"), ("zhi", "趣味科学"), ("zhi", "编程启蒙"),
                                         ("ti", "游泳安全"), ("ti", "乒乓球"), ("mei", "书法"), ("mei", "合唱"),
                                         ("lao", "手工"), ("lao", "小厨房"), ("optional", "围棋"), ("optional", "英语绘本")]):
            courses.append(line(ti * 20 + k + 1, name, cat, "", ti + 1))
    with timed("daycare_course") as t:
        t.rows = copy_rows(conn, "daycare_course", ["id", "name", "category", "description", "year_id"],
                           ["".join(courses)])
    sites, offerings, enrol, children, links, consents, arrivals = [], [], [], {}, [], [], []
    used = {}  # (term id) -> set of child person ids
    guardians: dict[int, int] = {}
    eid = aid = 0
    cid_base = G.get("blood_consent_max", 0) + 1
    term_days = {1: [dt.date(2021, 7, 5) + dt.timedelta(days=d) for d in range(19)],
                 2: [dt.date(2021, 7, 26) + dt.timedelta(days=d) for d in range(19)]}
    term_days = {k: [d for d in v if d.weekday() < 5] for k, v in term_days.items()}
    for s in range(n_sites):
        ti = s % n_towns
        site_id = s + 1
        nbh_id, nbh_name = G["nbhs_by_town"][ti][rng.randrange(len(G["nbhs_by_town"][ti]))]
        sites.append(line(site_id, f"{nbh_name}办班点{s // n_towns + 1}", f"{nbh_name}活动室", "办班点负责人", 3, 2,
                          nbh_id, ti + 1))
        pupils = G["pupils_by_town"][ti]
        for number in (1, 2):
            term_id = ti * 2 + number
            off_id = site_id * 2 + number - 2
            taken = used.setdefault(term_id, set())
            demand = rng.randrange(20, 50)
            confirmed = waitlisted = 0
            for _k in range(demand):
                child = pupils[rng.randrange(len(pupils))]
                if child in taken:
                    continue
                taken.add(child)
                guardian = guardians.get(child)
                if guardian is None:
                    adults = G["adults_by_town"][ti]
                    guardian = guardians[child] = adults[rng.randrange(len(adults))]
                    age = age_on(G["birth_of"][child - 1])
                    children[child] = (len(children) + 1, max(1, min(6, age - 6)))
                    links.append(line(len(links) + 1, rng.choice(["father", "mother", "grandparent"]), child, guardian))
                    consents.append(line(cid_base + len(consents), "daycare", "guardian", "2021-06-15", None, None,
                                         guardian, child))
                eid += 1
                if rng.random() < 0.04:
                    status, pos = "cancelled", None
                elif confirmed < 35:
                    confirmed += 1
                    status, pos = "confirmed", None
                else:
                    waitlisted += 1
                    status, pos = "waitlisted", waitlisted
                enrol.append(line(eid, status, pos, "2021-06-20 09:00:05+08",
                                  "2021-06-20 09:00:05+08" if status == "confirmed" else None,
                                  "2021-06-25 10:00:00+08" if status == "cancelled" else None,
                                  "家长取消" if status == "cancelled" else "", children[child][0], None, guardian,
                                  off_id, term_id))
                if status == "confirmed":
                    for day in term_days[number]:
                        aid += 1
                        present = rng.random() < 0.95
                        arrivals.append(line(aid, day.isoformat(), present, f"36.{rng.randrange(2, 9)}" if present else None,
                                             "08:10:00" if present else None, "家长" if present else "",
                                             "17:00:00" if present else None, "", None, eid))
            offerings.append(line(off_id, 35, confirmed, waitlisted, "600.00", "2021-06-20 09:00:00+08", site_id, term_id))
    with timed("daycare_site") as t:
        t.rows = copy_rows(conn, "daycare_site", ["id", "name", "address", "head_name", "min_volunteers", "min_security",
                                                  "neighbourhood_id", "year_id"], ["".join(sites)])
    with timed("daycare_offering") as t:
        t.rows = copy_rows(conn, "daycare_offering", ["id", "capacity", "taken", "waitlist_seq", "fee", "opens_at",
                                                      "site_id", "term_id"], ["".join(offerings)])
    # Emergency contact and health notes left empty (an empty encrypted field is stored as '').
    child_rows = [line(cid, f"第{ti_grade}小学", grade, NOW, NOW, pid, "", "", "", "")
                  for pid, (cid, grade) in children.items() for ti_grade in [cid % 40 + 1]]
    with timed("daycare_child") as t:
        t.rows = copy_rows(conn, "daycare_child", ["id", "school", "grade", "created_at", "updated_at", "person_id",
                                                   "emergency_name", "emergency_phone", "allergies", "medicines"],
                           ["".join(child_rows)])
    with timed("people_guardianlink") as t:
        t.rows = copy_rows(conn, "people_guardianlink", ["id", "relation", "child_id", "guardian_id"], ["".join(links)])
    with timed("people_consent (daycare)") as t:
        t.rows = copy_rows(conn, "people_consent", ["id", "purpose", "given_by", "given_on", "withdrawn_on",
                                                  "recorded_by_id", "guardian_id", "person_id"], ["".join(consents)])
    with timed("daycare_enrolment") as t:
        t.rows = copy_rows(conn, "daycare_enrolment", ["id", "status", "position", "created_at", "confirmed_at",
                                                       "cancelled_at", "cancel_reason", "child_id", "created_by_id",
                                                       "guardian_id", "offering_id", "term_id"], ["".join(enrol)])
    with timed("daycare_arrival") as t:
        t.rows = copy_rows(conn, "daycare_arrival", ["id", "date", "present", "temperature", "arrived_at", "picked_up_by",
                                                     "picked_up_at", "note", "recorded_by_id", "enrolment_id"],
                           ("".join(arrivals[i:i + 50_000]) for i in range(0, len(arrivals), 50_000)))


def finish(conn) -> None:
    """Identity sequences past the ids given here; then VACUUM ANALYZE for real statistics."""
    with conn.cursor() as cur:
        tables = [r[0] for r in cur.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema='public' AND column_name='id' "
            "AND is_identity='YES'").fetchall()]
        for table in tables:
            sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))"  # noqa: S608
            cur.execute(sql)  # table names from the catalogue
    conn.commit()
    with timed("VACUUM ANALYZE"):
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        conn.autocommit = False


def check_sample(conn) -> None:
    """Decrypt a sample back through Django and check the ID numbers (stdnum) and hashes."""
    from stdnum.cn import ric as stdric

    from lehuo.lib.identity import parse_id_number
    from lehuo.platform.crypto import decrypt, keyed_hash

    rows = conn.execute("SELECT id_number, id_hash, phone, birth_date, sex FROM people_person "
                        "ORDER BY random() LIMIT 1000").fetchall()
    valid = 0
    for enc, h, _p, birth, sex in rows:
        number = decrypt(enc)
        parsed = parse_id_number(number)  # the project's own rule; raises on a bad number
        valid += (stdric.is_valid(number) and keyed_hash(f"ric:{number}") == h and parsed.birth_date == birth
                  and parsed.sex == sex)
    phones = sum(1 for _e, _h, p, _b, _s in rows if p and len(decrypt(p)) == 11)
    conn.rollback()
    print(f"  sample of {len(rows)} people: {valid} ID numbers valid (stdnum) with matching hash, "
          f"{phones} phones decrypt", flush=True)


def check_foreign_keys(conn) -> None:
    """Every foreign key of the loaded rows points at a row (the load ran with FK triggers off)."""
    fks = conn.execute("""
        SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname
        FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
        WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace""").fetchall()
    bad = []
    with timed("foreign keys checked") as t:
        for child, col, parent, pcol in fks:
            n = conn.execute(f'SELECT count(*) FROM {child} c WHERE c."{col}" IS NOT NULL AND NOT EXISTS '  # noqa: S608
                             f'(SELECT 1 FROM {parent} p WHERE p."{pcol}" = c."{col}")').fetchone()[0]
            if n:
                bad.append(f"{child}.{col} -> {parent}: {n}")
        t.rows = len(fks)
    conn.rollback()
    print("  dangling references: " + ("; ".join(bad) if bad else "none"), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the city (1M people); 0.01 for a quick run")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--db", default=DEFAULT_DB, help="a lehuo_scale* database on 127.0.0.1")
    parser.add_argument("--check-fks", action="store_true", help="after loading, check every foreign key")
    parser.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1), help="encryption processes")
    args = parser.parse_args()
    if not args.db.startswith("lehuo_scale"):
        parser.error("--db must start with lehuo_scale")

    os.environ.update({"DJANGO_SETTINGS_MODULE": "lehuo.settings", "DATABASE_URL": f"{PG}/{args.db}", "DEBUG": "1",
                       "LEHUO_FIELD_KEYS": FIELD_KEYS, "LEHUO_HASH_KEY": HASH_KEY, "LOG_LEVEL": "WARNING"})
    import django

    django.setup()
    sizes = full_sizes(args.scale)
    print(f"scale {args.scale}: {sizes}", flush=True)
    t0 = time.perf_counter()
    ensure_database(args.db, args.reset)
    conn = connect(args.db)
    if conn.execute("SELECT count(*) FROM accounts_town WHERE code LIKE %s", (TOWN_CODE_PREFIX + "%",)).fetchone()[0]:
        conn.rollback()
        print("already loaded (use --reset to rebuild):")
        for table, n in counts(conn).items():
            print(f"  {table:<24} {n:>10,}")
        return
    conn.execute("SET synchronous_commit = off")
    # Bulk load: FK triggers off for this session (ids are consistent by construction; the
    # constraints are still there for every later write), a bigger sort memory for index builds.
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET maintenance_work_mem = '256MB'")
    rng = random.Random(SEED)
    load_towns(conn, sizes, rng)
    load_people(conn, sizes, rng, args.workers)
    conn.commit()
    load_donations(conn, sizes, rng, args.workers)
    conn.commit()
    load_blood(conn, sizes, rng, args.workers)
    conn.commit()
    load_daycare(conn, sizes, rng)
    conn.commit()
    finish(conn)
    with timed("kept donation figures (aggregates.rebuild)") as t:
        # The gifts were written by COPY, past the services' hooks: build the kept figures from
        # them, as `python -m lehuo verify_figures --rebuild` would.
        from lehuo.donations import aggregates

        t.rows = aggregates.rebuild()
    with timed("kept blood-drive figures (aggregates.rebuild)") as t:
        from lehuo.blood import aggregates as blood_aggregates

        t.rows = blood_aggregates.rebuild()
    check_sample(conn)
    if args.check_fks:
        check_foreign_keys(conn)
    print(f"total {time.perf_counter() - t0:.1f} s", flush=True)
    for table, n in counts(conn).items():
        print(f"  {table:<24} {n:>10,}")
    conn.close()


if __name__ == "__main__":
    main()
