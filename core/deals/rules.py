"""The knobs of a deal's life (IESCP_* environment variables, read on each use so tests can change them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.platform.config import _env, _env_int, get_settings


@dataclass(frozen=True)
class DealRules:
    auto_approve_days: int
    max_change_rounds: int
    net_terms_days: int
    review_edit_days: int
    draft_due_warning_days: int
    disclosure_markers: tuple[str, ...]
    uploads_dir: Path


def deal_rules() -> DealRules:
    """The rules in force now."""
    markers = _env("DISCLOSURE_MARKERS", "#ad,#sponsored,paid partnership") or ""
    return DealRules(
        auto_approve_days=_env_int("AUTO_APPROVE_DAYS", 3),
        max_change_rounds=_env_int("MAX_CHANGE_ROUNDS", 2),
        net_terms_days=_env_int("NET_TERMS_DAYS", 30),
        review_edit_days=_env_int("REVIEW_EDIT_DAYS", 14),
        draft_due_warning_days=_env_int("DRAFT_DUE_WARNING_DAYS", 2),
        disclosure_markers=tuple(m.strip() for m in markers.split(",") if m.strip()),
        uploads_dir=Path(_env("UPLOADS_DIR", str(get_settings().data_dir / "uploads"))),
    )
