"""Steps other apps add to a member merge.

The members app moves what it owns (referrals, lifetime figures, tier). Apps
above it (points: the ledger and lots) register a step here from their
AppConfig.ready(); each step runs inside the merge's transaction with both
member rows locked.
"""

from collections.abc import Callable
from typing import Any

from members.models import Member

MergeStep = Callable[..., None]
_steps: list[MergeStep] = []


def register_merge_step(step: MergeStep) -> MergeStep:
    if step not in _steps:
        _steps.append(step)
    return step


def run_merge_steps(*, survivor: Member, duplicate: Member, by: Any) -> None:
    for step in _steps:
        step(survivor=survivor, duplicate=duplicate, by=by)
