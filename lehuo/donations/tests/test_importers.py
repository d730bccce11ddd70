from decimal import Decimal

import pytest
from django.db import IntegrityError

from lehuo.donations import importers, services
from lehuo.donations.models import Donation
from lehuo.platform.errors import ServiceError
from lehuo.platform.excel import write_xlsx

pytestmark = pytest.mark.django_db

HEAD = "交易单号,昵称,手机号,金额,支付方式,交易时间\n"


def statement(n: int, bad_row: int | None = None, start: int = 0) -> bytes:
    lines = [HEAD]
    for i in range(start, start + n):
        amount = "abc" if bad_row is not None and i + 2 == bad_row else f"{10 + i % 90}.50"
        lines.append(f"WX{i:07d},微信用户{i},138****{i % 10000:04d},{amount},微信,2021-07-2{i % 9 + 1} 10:00:00\n")
    return "".join(lines).encode()


def run(actor, drive, data, kind="online", commit=True, **kw):
    return importers.import_statement(actor, drive, data, kind, commit=commit, filename="s.csv", **kw)


def test_statement_imported_twice_writes_each_donation_once(drive, town_admin):
    first = run(town_admin, drive, statement(50))
    assert first.ok and len(first.ready) == 50
    second = run(town_admin, drive, statement(50))
    assert second.ok and second.ready == [] and len(second.duplicates) == 50
    assert Donation.objects.count() == 50


def test_bad_amount_in_row_5000_writes_nothing(drive, town_admin):
    report = run(town_admin, drive, statement(5000, bad_row=5000))
    assert not report.ok
    assert report.errors == [{"row": 5000, "field": "amount", "label": "金额",
                              "message": "金额格式不正确"}]
    assert Donation.objects.count() == 0


def test_failure_while_writing_rolls_everything_back(drive, town_admin, monkeypatch):
    from lehuo.platform.models import AuditLog

    real_write, real_insert, calls, written = services.DonationBatch.write, services.insert_rows, [], []

    def flaky(model, rows, **kwargs):
        if model is AuditLog:
            calls.append(1)
            if len(calls) == 3:  # two batches of 10 are already in the database by now
                written.append(Donation.objects.count())
                raise RuntimeError("disk full")
        return real_insert(model, rows, **kwargs)

    monkeypatch.setattr(services, "insert_rows", flaky)
    monkeypatch.setattr(services.DonationBatch, "write", lambda self, **kw: real_write(self, **{**kw, "batch_size": 10}))
    with pytest.raises(RuntimeError):
        run(town_admin, drive, statement(40))
    assert written == [30]  # the third batch's donations too: its audit rows come after them
    assert Donation.objects.count() == 0


def test_dry_run_reports_without_writing(drive, town_admin):
    report = run(town_admin, drive, statement(10), commit=False)
    assert report.ok and report.as_dict()["new"] == 10 and report.as_dict()["total"] == "150.00"
    assert not Donation.objects.exists()


def test_reference_repeated_in_file_is_reported_and_written_once(drive, town_admin):
    data = (HEAD + "WX1,甲,,10,微信,2021-07-22\nWX1,甲,,10,微信,2021-07-22\n").encode()
    report = run(town_admin, drive, data)
    assert report.duplicates == [{"row": 3, "reference": "WX1", "reason": "与第2行重复"}]
    assert Donation.objects.count() == 1


def test_donors_matched_by_id_number_or_name_and_phone(drive, town_admin, make_person, lv11):
    by_id = make_person(tags=["党员"])
    by_phone = make_person(name="陈小红", phone="13900001111")
    data = ("姓名,身份证号,电话,金额,日期\n"
            f"{by_id.name},{by_id.id_number},,100,2021-07-25\n"
            "陈小红,,139 0000 1111,50,2021-07-25\n"
            "陈小红,,13900002222,20,2021-07-25\n"
            ",,,5,2021-07-25\n").encode()
    report = run(town_admin, drive, data, kind="offline", neighbourhood=lv11)
    assert (report.matched_by_id, report.matched_by_phone, report.unmatched) == (1, 1, 2)
    rows = list(Donation.objects.order_by("amount").values_list("person_id", "donor_name", "anonymous"))
    assert rows == [(None, "", True), (None, "陈小红", False), (by_phone.pk, "", False), (by_id.pk, "", False)]


def test_bad_id_number_is_an_error_naming_row_and_field(drive, town_admin, lv11):
    data = "姓名,身份证号,金额,日期\n张三,110105194912310021,100,2021-07-25\n".encode()
    report = run(town_admin, drive, data, kind="offline", neighbourhood=lv11)
    assert [(e["row"], e["field"]) for e in report.errors] == [(2, "id_number")]
    assert not Donation.objects.exists()


def test_ledger_without_references_imported_twice_is_not_duplicated(drive, town_admin, lv11):
    data = "姓名,金额,日期\n王五,100,2021-07-25\n王五,100,2021-07-25\n李四,20,2021-07-26\n".encode()
    assert len(run(town_admin, drive, data, kind="offline", neighbourhood=lv11).ready) == 3
    again = run(town_admin, drive, data, kind="offline", neighbourhood=lv11)
    assert again.ready == [] and len(again.duplicates) == 3
    assert Donation.objects.count() == 3


def test_social_worker_imports_only_for_own_neighbourhood(drive, sw_lv11, lv11, hj9):
    data = "姓名,金额,日期,居民区\n王五,100,2021-07-25,虹九\n".encode()
    report = run(sw_lv11, drive, data, kind="offline", neighbourhood=lv11)
    assert [(e["row"], e["field"]) for e in report.errors] == [(2, "neighbourhood")]
    ok = run(sw_lv11, drive, "姓名,金额,日期\n王五,100,2021-07-25\n".encode(), kind="offline", neighbourhood=lv11)
    assert ok.ok and Donation.objects.get().neighbourhood == lv11


def test_xlsx_statement_with_column_mapping(drive, town_admin):
    data = write_xlsx(["单号", "金额", "时间", "付款方"], [["A-1", 12.5, "2021-07-22", "某某"]])
    with pytest.raises(ServiceError, match="流水号"):
        importers.read_statement(data, "online", "s.xlsx")
    mapping = {"单号": "reference", "付款方": "donor_name"}
    report = importers.import_statement(town_admin, drive, data, "online", commit=True, filename="s.xlsx",
                                        mapping=mapping)
    assert report.ok
    d = Donation.objects.get()
    assert (d.reference, d.amount, d.donor_name, d.method) == ("A-1", 12.5, "某某", "other")


def test_guess_mapping_recognises_headers():
    assert importers.guess_mapping(["交易单号", "昵称", "金额", "随便"]) == {
        "交易单号": "reference", "昵称": "donor_name", "金额": "amount"}


def test_reference_recorded_meanwhile_fails_the_whole_import(drive, town_admin, monkeypatch):
    """Someone records WX0000005 after the check read the recorded references (another
    connection's commit, which the check cannot see): the unique index refuses the write and
    nothing is written."""
    services.record_donation(town_admin, drive, amount="1", channel="online", method="wechat",
                             received_on="2021-07-22", reference="WX0000005", donor_name="抢先")
    monkeypatch.setattr(importers, "_recorded_references", lambda drive, refs: set())  # as if not yet committed
    with pytest.raises(IntegrityError):
        run(town_admin, drive, statement(10))
    assert list(Donation.objects.values_list("donor_name", flat=True)) == ["抢先"]


def test_bulk_rows_are_each_checked_for_their_own_neighbourhood(drive, sw_lv11, lv11, hj9):
    """The bulk write asks whether the actor may record for a neighbourhood once per
    neighbourhood, not once per import: a row of another neighbourhood after rows of the
    social worker's own is still refused, and nothing is written."""
    from django.db import transaction

    row = {"amount": "10", "channel": "online", "received_on": "2021-07-22", "donor_name": "甲"}
    rows = [{**row, "reference": f"A{i}", "neighbourhood": lv11} for i in range(3)]
    with pytest.raises(ServiceError) as refused, transaction.atomic():
        services.record_donations_in_bulk(sw_lv11, drive, [*rows, {**row, "reference": "B", "neighbourhood": hj9}])
    assert refused.value.field == "neighbourhood_id"
    with pytest.raises(ServiceError), transaction.atomic():
        services.record_donations_in_bulk(sw_lv11, drive, [*rows, {**row, "reference": "C", "neighbourhood": None}])
    assert not Donation.objects.exists()
    with transaction.atomic():
        assert services.record_donations_in_bulk(sw_lv11, drive, rows) == 3


def test_bulk_rows_are_refused_for_an_actor_who_may_not_record(drive, viewer):
    from django.db import transaction

    from lehuo.platform.errors import Forbidden

    row = {"amount": "10", "channel": "online", "received_on": "2021-07-22", "donor_name": "甲", "reference": "A"}
    with pytest.raises(Forbidden), transaction.atomic():
        services.record_donations_in_bulk(viewer, drive, [row])
    assert not Donation.objects.exists()


def test_bulk_rows_and_audit_rows_are_those_the_single_path_writes(drive, town_admin, charity, make_person, lv11):
    """``record_donations_in_bulk`` writes donations, audit rows and kept figures from the
    checked values without model instances: every column must be what ``record_donation``
    (save + log_action) writes for the same input, for each kind of donor."""
    from django.db import transaction
    from django.forms.models import model_to_dict

    from lehuo.donations import aggregates
    from lehuo.platform.models import AuditLog

    person = make_person(name="张三")
    base = {"amount": "12.30", "channel": "offline", "received_on": "2021-07-22", "method": "cash", "notes": " 备注 ",
            "source": "import"}
    rows = [{**base, "person": person, "neighbourhood": lv11, "named_consent": True},
            {**base, "organisation": charity, "reference": "R-1"},
            {**base, "donor_name": " 热心群众 ", "named_consent": True},
            {**base, "anonymous": True, "named_consent": True, "amount": "5"}]

    def written(write) -> tuple[list, list, dict]:
        with transaction.atomic():
            write()
            donations = list(Donation.objects.order_by("pk"))
            logs = list(AuditLog.objects.filter(action="donation.record").order_by("pk"))
            assert [log.object_id for log in logs] == [str(d.pk) for d in donations]
            figures = aggregates.verify()
            out = ([{k: v for k, v in model_to_dict(d).items() if k not in ("id",)} for d in donations],
                   [{k: v for k, v in model_to_dict(log).items() if k not in ("id", "object_id", "created_at")} for log in logs],
                   figures)
            transaction.set_rollback(True)
        return out

    def single():
        for row in rows:
            services.record_donation(town_admin, drive, **row)

    one = written(single)
    bulk = written(lambda: services.record_donations_in_bulk(town_admin, drive, rows, batch_size=3))
    assert len(one[0]) == len(one[1]) == 4
    assert bulk[0] == one[0]
    assert bulk[1] == one[1]
    assert one[1][0]["data"]["donor"] == "person" and one[1][0]["object_repr"] == "张三 12.30"
    assert bulk[2] == one[2] == []  # kept figures agree with the donations written


def test_dry_run_reports_rows_the_service_would_refuse(drive, town_admin):
    """Every row that would be written passes ``check_donation`` in the check itself: a row the
    importer's own checks pass but the service refuses (a control character in a name) is an
    error naming its row, in the dry run as in the import, and nothing is written."""
    data = (HEAD + "WX1,甲,,10,微信,2021-07-22\nWX2,乙\x01丙,,10,微信,2021-07-22\n").encode()
    for commit in (False, True):
        report = run(town_admin, drive, data, commit=commit)
        assert not report.ok
        assert [(e["row"], e["field"]) for e in report.errors] == [(3, "donor_name")]
    assert not Donation.objects.exists()


def test_import_writes_exactly_the_rows_its_check_passed(drive, town_admin, monkeypatch):
    """The write takes the check's values (no second check): each written row was checked once,
    inside the writing transaction, against the drive as read there."""
    from django.db import connection

    real, seen = services.check_donation, []

    def counted(actor, checked_drive, **fields):
        seen.append((connection.in_atomic_block, checked_drive.pk, fields["reference"]))
        return real(actor, checked_drive, **fields)

    monkeypatch.setattr(services, "check_donation", counted)
    report = run(town_admin, drive, statement(30))
    assert report.ok and len(seen) == 30 and all(atomic and pk == drive.pk for atomic, pk, _ref in seen)
    assert sorted(Donation.objects.values_list("reference", flat=True)) == sorted(ref for _a, _p, ref in seen)


def test_a_batch_checks_and_writes_only_inside_its_transaction(drive, town_admin):
    row = {"amount": "10", "channel": "online", "received_on": "2021-07-22", "donor_name": "甲", "reference": "A"}
    with services.recording_in_bulk(town_admin, drive) as batch:
        values, _audit = batch.check(**row)
        assert values["amount"] == Decimal("10.00") and batch.drive == drive
        with pytest.raises(ServiceError):
            batch.check(**{**row, "reference": "B", "received_on": "2021-07-01"})  # before the drive starts
    with pytest.raises(RuntimeError):
        batch.write()  # the block is over: its check may be stale
    with pytest.raises(RuntimeError):
        batch.check(**row)
    assert not Donation.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_drive_cannot_change_between_the_check_and_the_write(drive, town_admin):
    """The check and the write run in one transaction with the drive share-locked: another
    connection that would stop the drive's online channel while the import writes waits for
    it (here: gives up after 200 ms) instead of making the checked rows invalid."""
    import psycopg
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    params = connection.get_connection_params()
    outcomes = []

    def progress(done, total, phase):
        if phase != "write" or outcomes:
            return
        with psycopg.connect(**{k: v for k, v in params.items() if k not in ("cursor_factory", "context")},
                             autocommit=True) as other:
            other.execute("SET lock_timeout = '200ms'")
            try:
                other.execute("UPDATE donations_drive SET accepts_online = false WHERE id = %s", [drive.pk])
                outcomes.append("changed")
            except psycopg.errors.LockNotAvailable:
                outcomes.append("waited")

    report = importers.import_statement(town_admin, drive, statement(30), "online", commit=True, filename="s.csv",
                                        progress=progress)
    assert report.ok and outcomes == ["waited"]
    assert Donation.objects.count() == 30
