"""Helpers shared by the training service modules."""

from lehuo.accounts.permissions import require
from lehuo.training.models import Cohort


def _require_manage(actor, cohort: Cohort) -> None:
    require(actor, "training.cohort.manage", cohort)
