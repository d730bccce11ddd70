"""run_idempotent: the key row is written last, with the answer; repeats get the first answer."""

import pytest

from lehuo.people.models import Tag
from lehuo.platform.errors import ServiceError
from lehuo.platform.idempotency import run_idempotent
from lehuo.platform.models import IdempotencyKey

pytestmark = pytest.mark.django_db


def test_first_answer_is_stored_and_replayed_without_running_again(town_admin, town):
    runs = []

    def create():
        runs.append(1)
        tag = Tag.objects.create(town=town, name=f"标签{len(runs)}")
        return 201, {"id": tag.pk}

    first = run_idempotent(town_admin, "k1", "scope", create)
    again = run_idempotent(town_admin, "k1", "scope", create)
    assert first == again
    # The repeat ran and was rolled back: one tag, one key.
    assert Tag.objects.filter(town=town, name__startswith="标签").count() == 1
    assert IdempotencyKey.objects.filter(key="k1").count() == 1


def test_repeat_refused_by_a_rule_still_gets_the_first_answer(town_admin):
    state = {"done": False}

    def create():
        if state["done"]:
            raise ServiceError("已报名", "child", code="duplicate")
        state["done"] = True
        return 201, {"ok": True}

    assert run_idempotent(town_admin, "k2", "scope", create) == (201, {"ok": True})
    assert run_idempotent(town_admin, "k2", "scope", create) == (201, {"ok": True})


def test_refused_first_attempt_leaves_no_key_and_can_be_retried(town_admin):
    calls = []

    def create():
        calls.append(1)
        if len(calls) == 1:
            raise ServiceError("金额不正确", "amount")
        return 201, {"try": len(calls)}

    with pytest.raises(ServiceError):
        run_idempotent(town_admin, "k3", "scope", create)
    assert not IdempotencyKey.objects.filter(key="k3").exists()
    assert run_idempotent(town_admin, "k3", "scope", create) == (201, {"try": 2})


def test_same_key_in_another_scope_or_for_another_user_is_independent(town_admin, sw_lv11):
    assert run_idempotent(town_admin, "k4", "a", lambda: (201, {"n": 1})) == (201, {"n": 1})
    assert run_idempotent(town_admin, "k4", "b", lambda: (201, {"n": 2})) == (201, {"n": 2})
    assert run_idempotent(sw_lv11, "k4", "a", lambda: (201, {"n": 3})) == (201, {"n": 3})


@pytest.mark.parametrize("key", ["x" * 201, "bad\x00key", "tab\tkey"])
def test_unusable_key_is_refused(town_admin, key):
    with pytest.raises(ServiceError) as exc:
        run_idempotent(town_admin, key, "scope", lambda: (201, {}))
    assert exc.value.field == "Idempotency-Key"
