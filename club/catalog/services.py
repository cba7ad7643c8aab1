"""Rules of the catalogue, as views, the API and other domains call them: privileges and
what is left of them (privileges), their pictures (pictures), redeeming and the
redemption timeline (redemptions), goods' delivery (goods) and their shipping and
returns (shipping), e-voucher codes (codes) and their pools (pools), staff proposals
(wishes), and the yearly tax and sponsor reports (reports). Each lives in its own
module; this one names them all."""

from __future__ import annotations

from club.catalog.codes import reveal, take_code
from club.catalog.errors import (
    BriefIncomplete,
    CapacityReached,
    CatalogError,
    InvalidTransition,
    PrivilegeUnavailable,
)
from club.catalog.goods import Delivery, saved_address
from club.catalog.pictures import clean_picture, image_folder, set_image
from club.catalog.pools import (
    PoolFileRefused,
    load_pool,
    pool_counts,
    warn_low_pools,
    withdraw_expired,
)
from club.catalog.privileges import (
    PRIVILEGE_FIELDS,
    QUESTION_TYPES,
    Remaining,
    catalogue,
    check_brief_definition,
    locked_ids,
    move_in_catalogue,
    question_label,
    remaining,
    retire,
    save_privilege,
    unavailable_reason,
    variants_left,
)
from club.catalog.redemptions import (
    MAX_ANSWER_LENGTH,
    TRANSITIONS,
    check_answers,
    is_overdue,
    move,
    queue_query,
    redeem,
)
from club.catalog.reports import (
    ProgrammeCost,
    fulfilled_rebates,
    programme_cost,
    sponsor_report,
    tax_report,
)
from club.catalog.shipping import ship, take_back
from club.catalog.waiting import waiting_queue
from club.catalog.wishes import decide_wish, open_wish_count, propose

__all__ = [
    "MAX_ANSWER_LENGTH",
    "PRIVILEGE_FIELDS",
    "QUESTION_TYPES",
    "TRANSITIONS",
    "BriefIncomplete",
    "CapacityReached",
    "CatalogError",
    "Delivery",
    "InvalidTransition",
    "PoolFileRefused",
    "PrivilegeUnavailable",
    "ProgrammeCost",
    "Remaining",
    "catalogue",
    "check_answers",
    "check_brief_definition",
    "clean_picture",
    "decide_wish",
    "fulfilled_rebates",
    "image_folder",
    "is_overdue",
    "load_pool",
    "locked_ids",
    "move",
    "move_in_catalogue",
    "open_wish_count",
    "pool_counts",
    "programme_cost",
    "propose",
    "question_label",
    "queue_query",
    "redeem",
    "remaining",
    "retire",
    "reveal",
    "save_privilege",
    "saved_address",
    "set_image",
    "ship",
    "sponsor_report",
    "take_back",
    "take_code",
    "tax_report",
    "unavailable_reason",
    "variants_left",
    "waiting_queue",
    "warn_low_pools",
    "withdraw_expired",
]
