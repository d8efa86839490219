"""An organization's product catalogue and the products its campaigns gift (the CRM's Product and CampaignProduct).

Who may do what: every member reads (`crm.view`); owners and managers write (`product.manage`); nobody ever
sees or changes another organization's products or attachments. Admins read a campaign's products and gifted
value (they can open any campaign) but never write, and have no catalogue of their own.

Gifted product value of a campaign = Σ over its products of price × quantity × (1 − discount), each line
rounded half-up to a whole cent, then summed (so the total always equals the sum of the lines shown). Prices
are integer cents, discounts integer basis points (12.5 % = 1,250 bp), so the sum is exact integer arithmetic
in SQL; the price and quantity caps in core/models.py keep price × quantity × 10,000 inside a BIGINT.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation

import pandas as pd
from sqlalchemy import BigInteger, ColumnElement, bindparam, cast, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, money, permissions, validate
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.models import (
    DISCOUNT_FULL_BP,
    PRODUCT_MAX_PRICE_CENTS,
    PRODUCT_MAX_QUANTITY,
    Campaign,
    CampaignProduct,
    Product,
)
from core.permissions import Actor
from core.platform import cachegen
from core.platform.db import affected_rows
from core.platform.timeutil import utcnow

SKU_RE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,59}$")
CLOSED_CAMPAIGN_STATUSES = ("completed", "cancelled")
CHANGED = "This {what} changed while you were looking at it. Review it and try again."
NO_PRODUCT = "That product does not exist or is not in your organization's catalogue."
NO_CAMPAIGN = "That campaign does not exist or is not your organization's."
PRODUCT_COLUMNS = [
    "id",
    "name",
    "sku",
    "description",
    "price_cents",
    "archived",
    "attached_campaigns",
    "version",
]
LINE_COLUMNS = [
    "id",
    "product_id",
    "name",
    "sku",
    "price_cents",
    "quantity",
    "discount_bp",
    "value_cents",
    "archived",
    "version",
]


# ---- input ---------------------------------------------------------------------------------------------------


def clean_sku(value) -> str:
    """A SKU, trimmed and upper-cased (so 'ab-1' and 'AB-1' are the same SKU)."""
    text = validate.text(value, "SKU", max_len=60).upper()
    if not SKU_RE.match(text):
        raise InvalidInput("SKU must be 1–60 characters: letters, digits, dot, dash, underscore or slash.")
    return text


def clean_price(value) -> int:
    """A unit price in cents: zero (a free sample) up to PRODUCT_MAX_PRICE_CENTS."""
    cents = money.check_cents(value, field="Price")
    if cents > PRODUCT_MAX_PRICE_CENTS:
        limit = money.format_cents(PRODUCT_MAX_PRICE_CENTS)
        raise InvalidInput(f"Price is too large: the most a product can cost is {limit}.")
    return cents


def clean_quantity(value) -> int:
    return validate.integer(value, field="Quantity", minimum=1, maximum=PRODUCT_MAX_QUANTITY)


def clean_discount(value) -> int:
    """A discount percentage (0–100, at most two decimals, '%' allowed) as basis points: '12.5' -> 1250."""
    message = "Discount must be a percentage from 0 to 100 with at most two decimals, like 15 or 12.5."
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        raise InvalidInput(message)
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip().removesuffix("%"))
    except (InvalidOperation, ValueError):
        raise InvalidInput(message) from None
    if not number.is_finite() or number < 0 or number > 100:
        raise InvalidInput(message)
    scaled = number * 100
    if scaled != scaled.to_integral_value():
        raise InvalidInput(message)
    return int(scaled)


def line_value_cents(price: int, qty: int, bp: int) -> int:
    """One line's gifted value in cents, half-up: the Python twin of _line_value() (used by pages and tests)."""
    return (price * qty * (DISCOUNT_FULL_BP - bp) + DISCOUNT_FULL_BP // 2) // DISCOUNT_FULL_BP


def _line_value() -> ColumnElement[int]:
    """price × quantity × (10,000 − bp) / 10,000, half-up, in integer arithmetic on both SQLite and PostgreSQL."""
    scaled = Product.price_cents * CampaignProduct.quantity * (DISCOUNT_FULL_BP - CampaignProduct.discount_bp)
    return cast((scaled + DISCOUNT_FULL_BP // 2) // DISCOUNT_FULL_BP, BigInteger)


# ---- checks --------------------------------------------------------------------------------------------------


def _own_product(session: Session, org_id: int, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None or product.organization_id != org_id:
        raise NotFound(NO_PRODUCT)
    return product


def _own_campaign(session: Session, org_id: int, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or campaign.organization_id != org_id:
        raise NotFound(NO_CAMPAIGN)
    return campaign


def _open_campaign(session: Session, org_id: int, campaign_id: int) -> Campaign:
    campaign = _own_campaign(session, org_id, campaign_id)
    if campaign.status in CLOSED_CAMPAIGN_STATUSES:
        raise Conflict(f"This campaign is {campaign.status}; its gifted products can no longer change.")
    return campaign


def _own_line(session: Session, org_id: int, campaign_product_id: int) -> CampaignProduct:
    line = session.get(CampaignProduct, campaign_product_id)
    if line is None:
        raise NotFound("That product is no longer attached to the campaign.")
    _own_campaign(session, org_id, line.campaign_id)
    return line


def _guarded(session: Session, model, row_id: int, expected_version, what: str, **values) -> None:
    """Apply values and bump the version in one guarded UPDATE; Conflict when the row moved since it was shown."""
    seen = _seen_version(expected_version)
    result = session.execute(
        update(model)
        .where(model.id == row_id, model.version == seen)
        .values(version=model.version + 1, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(result) != 1:
        raise Conflict(CHANGED.format(what=what))
    session.expire_all()


def _seen_version(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput("This action is missing the version of what you were looking at; reload the page.")
    return value


def _sku_taken(session: Session, org_id: int, code: str, *, other_than: int | None = None) -> None:
    condition = [Product.organization_id == org_id, Product.sku == code]
    if other_than is not None:
        condition.append(Product.id != other_than)
    if session.scalar(select(exists().where(*condition))):
        raise Conflict(f"Your catalogue already has a product with SKU {code}; choose another SKU.")


def _flush_unique(session: Session, message: str) -> None:
    """Flush inside a savepoint; a unique-constraint race (two tabs at once) becomes Conflict, not a crash."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(message) from None


# ---- catalogue -----------------------------------------------------------------------------------------------


def create_product(
    session: Session, *, actor: Actor, name: str, sku: str, price_cents: int, description: str = ""
) -> int:
    """Add a product to the actor's organization's catalogue; its id."""
    org_id = permissions.require_member(actor, "product.manage")
    fields = _fields(name=name, sku=sku, price_cents=price_cents, description=description)
    _sku_taken(session, org_id, fields["sku"])
    product = Product(organization_id=org_id, created_by=actor.id, **fields)
    session.add(product)
    _flush_unique(session, f"Your catalogue already has a product with SKU {fields['sku']}; choose another SKU.")
    audit.record(session, actor, "product.create", "product", product.id, amount_cents=product.price_cents)
    return product.id


def _fields(*, name, sku: str, price_cents, description) -> dict:
    return {
        "name": validate.text(name, "Product name", max_len=120),
        "sku": clean_sku(sku),
        "price_cents": clean_price(price_cents),
        "description": validate.text(description, "Description", max_len=2000, required=False, multiline=True),
    }


def update_product(
    session: Session,
    *,
    actor: Actor,
    product_id: int,
    expected_version: int,
    name: str,
    sku: str,
    price_cents: int,
    description: str = "",
) -> None:
    """Change a product's name, SKU, price or description (the version the page showed must still hold)."""
    org_id = permissions.require_member(actor, "product.manage")
    _own_product(session, org_id, product_id)
    fields = _fields(name=name, sku=sku, price_cents=price_cents, description=description)
    _sku_taken(session, org_id, fields["sku"], other_than=product_id)
    try:
        with session.begin_nested():
            _guarded(session, Product, product_id, expected_version, "product", **fields)
    except IntegrityError:
        raise Conflict(f"Your catalogue already has a product with SKU {fields['sku']}; choose another SKU.") from None
    audit.record(session, actor, "product.update", "product", product_id, amount_cents=fields["price_cents"])


def archive_product(session: Session, *, actor: Actor, product_id: int, expected_version: int) -> None:
    """Hide a product from the catalogue and from attaching; campaigns that gift it keep it and its value."""
    org_id = permissions.require_member(actor, "product.manage")
    product = _own_product(session, org_id, product_id)
    if product.archived_at is not None:
        raise Conflict("This product is already archived.")
    _guarded(session, Product, product_id, expected_version, "product", archived_at=utcnow())
    audit.record(session, actor, "product.archive", "product", product_id)


def restore_product(session: Session, *, actor: Actor, product_id: int, expected_version: int) -> None:
    """Bring an archived product back into the catalogue."""
    org_id = permissions.require_member(actor, "product.manage")
    product = _own_product(session, org_id, product_id)
    if product.archived_at is None:
        raise Conflict("This product is not archived.")
    _guarded(session, Product, product_id, expected_version, "product", archived_at=None)
    audit.record(session, actor, "product.restore", "product", product_id)


def delete_product(session: Session, *, actor: Actor, product_id: int, expected_version: int) -> None:
    """Delete a product that no campaign ever gifted (one that was attached can only be archived)."""
    org_id = permissions.require_member(actor, "product.manage")
    _own_product(session, org_id, product_id)
    if session.scalar(select(exists().where(CampaignProduct.product_id == product_id))):
        raise Conflict("This product is attached to a campaign, so it can only be archived (its cost stays on record).")
    result = session.execute(
        delete(Product).where(Product.id == product_id, Product.version == _seen_version(expected_version))
    )
    if affected_rows(result) != 1:
        raise Conflict(CHANGED.format(what="product"))
    audit.record(session, actor, "product.delete", "product", product_id)


def list_products(session: Session, *, actor: Actor, include_archived: bool = False) -> pd.DataFrame:
    """The organization's catalogue with how many campaigns gift each product, in one query (name order)."""
    org_id = permissions.require_member(actor, "crm.view")
    attached = (
        select(CampaignProduct.product_id, func.count().label("n"))
        .join(Product, Product.id == CampaignProduct.product_id)
        .where(Product.organization_id == org_id)
        .group_by(CampaignProduct.product_id)
        .subquery()
    )
    conditions = [Product.organization_id == org_id]
    if not include_archived:
        conditions.append(Product.archived_at.is_(None))
    rows = session.execute(
        select(
            Product.id,
            Product.name,
            Product.sku,
            Product.description,
            Product.price_cents,
            Product.archived_at.is_not(None).label("archived"),
            func.coalesce(attached.c.n, 0).label("attached_campaigns"),
            Product.version,
        )
        .outerjoin(attached, attached.c.product_id == Product.id)
        .where(*conditions)
        .order_by(Product.archived_at.is_not(None), func.lower(Product.name), Product.id)
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=PRODUCT_COLUMNS)
    frame["archived"] = frame["archived"].astype(bool)
    return frame


# ---- campaigns' products -------------------------------------------------------------------------------------


def attach_product(
    session: Session, *, actor: Actor, campaign_id: int, product_id: int, quantity: int = 1, discount="0"
) -> int:
    """Gift a catalogue product in one of the organization's campaigns; the attachment's id."""
    org_id = permissions.require_member(actor, "product.manage")
    campaign = _open_campaign(session, org_id, campaign_id)
    product = _own_product(session, org_id, product_id)
    if product.archived_at is not None:
        raise Conflict("This product is archived; restore it in the catalogue before attaching it.")
    qty, bp = clean_quantity(quantity), clean_discount(discount)
    taken = f"{product.name} is already attached to this campaign; change its quantity or discount instead."
    if session.scalar(
        select(exists().where(CampaignProduct.campaign_id == campaign_id, CampaignProduct.product_id == product_id))
    ):
        raise Conflict(taken)
    line = CampaignProduct(
        campaign_id=campaign_id, product_id=product_id, quantity=qty, discount_bp=bp, added_by=actor.id
    )
    session.add(line)
    _flush_unique(session, taken)
    cachegen.bump(session, cachegen.org_scope(campaign.organization_id))
    value = line_value_cents(product.price_cents, qty, bp)
    audit.record(session, actor, "product.attach", "campaign", campaign_id, amount_cents=value, detail=product.sku)
    return line.id


def update_attachment(
    session: Session, *, actor: Actor, campaign_product_id: int, expected_version: int, quantity: int, discount="0"
) -> None:
    """Change how many of a product a campaign gifts and at what discount."""
    org_id = permissions.require_member(actor, "product.manage")
    line = _own_line(session, org_id, campaign_product_id)
    campaign = _open_campaign(session, org_id, line.campaign_id)
    qty, bp = clean_quantity(quantity), clean_discount(discount)
    _guarded(
        session, CampaignProduct, campaign_product_id, expected_version, "product line", quantity=qty, discount_bp=bp
    )
    cachegen.bump(session, cachegen.org_scope(campaign.organization_id))
    audit.record(session, actor, "product.attach_update", "campaign", campaign.id, detail=f"line {campaign_product_id}")


def detach_product(session: Session, *, actor: Actor, campaign_product_id: int, expected_version: int) -> None:
    """Stop gifting a product in a campaign."""
    org_id = permissions.require_member(actor, "product.manage")
    line = _own_line(session, org_id, campaign_product_id)
    campaign = _open_campaign(session, org_id, line.campaign_id)
    result = session.execute(
        delete(CampaignProduct).where(
            CampaignProduct.id == campaign_product_id, CampaignProduct.version == _seen_version(expected_version)
        )
    )
    if affected_rows(result) != 1:
        raise Conflict(CHANGED.format(what="product line"))
    cachegen.bump(session, cachegen.org_scope(campaign.organization_id))
    audit.record(session, actor, "product.detach", "campaign", campaign.id, detail=f"line {campaign_product_id}")


def _campaign_reader(actor: Actor) -> int | None:
    """The organization whose campaigns actor may read products of; None for an admin (any campaign)."""
    if actor is not None and actor.is_admin:
        return None
    return permissions.require_member(actor, "crm.view")


def list_campaign_products(session: Session, *, actor: Actor, campaign_id: int) -> pd.DataFrame:
    """The products a campaign gifts, each with its line value in cents (one query)."""
    org_id = _campaign_reader(actor)
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or (org_id is not None and campaign.organization_id != org_id):
        raise NotFound(NO_CAMPAIGN)
    rows = session.execute(
        select(
            CampaignProduct.id,
            Product.id,
            Product.name,
            Product.sku,
            Product.price_cents,
            CampaignProduct.quantity,
            CampaignProduct.discount_bp,
            _line_value(),
            Product.archived_at.is_not(None),
            CampaignProduct.version,
        )
        .join(Product, Product.id == CampaignProduct.product_id)
        .where(CampaignProduct.campaign_id == campaign_id)
        .order_by(func.lower(Product.name), CampaignProduct.id)
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=LINE_COLUMNS)
    frame["archived"] = frame["archived"].astype(bool)
    return frame


@functools.cache
def _gifted_statement(by_org: bool, by_ids: bool):
    """gifted_value_by_campaign()'s select for one combination of filters, built once per process with bound
    values (the organization, an expanding list of campaign ids)."""
    statement = (
        select(CampaignProduct.campaign_id, func.sum(_line_value()))
        .join(Product, Product.id == CampaignProduct.product_id)
        .group_by(CampaignProduct.campaign_id)
    )
    if by_org:
        statement = statement.join(Campaign, Campaign.id == CampaignProduct.campaign_id).where(
            Campaign.organization_id == bindparam("org_id")
        )
    if by_ids:
        statement = statement.where(CampaignProduct.campaign_id.in_(bindparam("ids", expanding=True)))
    return statement


def gifted_value_by_campaign(session: Session, *, actor: Actor, campaign_ids=None) -> dict[int, int]:
    """Gifted product value in cents per campaign of the actor's organization (all of them, or the ids given).

    One aggregate query. Campaigns that gift nothing are left out (read with `.get(campaign_id, 0)`); ids of
    other organizations' campaigns are ignored, never answered. Admins get any campaign's value.
    """
    if actor is None:
        raise PermissionDenied("Please log in first.")
    org_id = _campaign_reader(actor)
    params: dict[str, object] = {}
    if org_id is not None:
        params["org_id"] = org_id
    if campaign_ids is not None:
        params["ids"] = [int(i) for i in campaign_ids]
        if not params["ids"]:
            return {}
    statement = _gifted_statement(org_id is not None, campaign_ids is not None)
    return {int(campaign_id): int(total or 0) for campaign_id, total in session.execute(statement, params)}
