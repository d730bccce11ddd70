"""Helpers shared by the training service modules."""

from lehuo.platform.errors import ServiceError
from lehuo.training import scoping
from lehuo.training.models import Cohort


def _require_manage(actor, cohort: Cohort) -> None:
    if not scoping.can_manage(actor, cohort):
        raise ServiceError("只有镇管理员或本班工作人员可以操作", code="forbidden")
