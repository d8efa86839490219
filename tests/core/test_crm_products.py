"""Products: an organization's catalogue, campaigns' gifted products, their value, and who may touch them."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from core.crm import products
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from core.marketplace import campaigns
from core.models import OrgMember
from tests import factories as f


def teammate(db, owner, org_role: str):
    """A sponsor user moved into owner's organization with org_role (as an accepted invite would leave them)."""
    other = f.sponsor(db)
    f.write(
        db,
        lambda s: s.execute(
            update(OrgMember)
            .where(OrgMember.user_id == other.id)
            .values(organization_id=owner.organization_id, org_role=org_role)
        ),
    )
    return f.actor(db, other.id)


def product(db, actor, *, sku="MUG-1", price_cents=1_250, name="Mug"):
    return f.write(db, lambda s: products.create_product(s, actor=actor, name=name, sku=sku, price_cents=price_cents))


def catalogue(db, actor, **kw):
    return f.read(db, lambda s: products.list_products(s, actor=actor, **kw))


def version_of(db, actor, product_id):
    frame = catalogue(db, actor, include_archived=True)
    return int(frame.loc[frame["id"] == product_id, "version"].iloc[0])


def attach(db, actor, campaign_id, product_id, *, quantity=1, discount="0"):
    return f.write(
        db,
        lambda s: products.attach_product(
            s, actor=actor, campaign_id=campaign_id, product_id=product_id, quantity=quantity, discount=discount
        ),
    )


def lines(db, actor, campaign_id):
    return f.read(db, lambda s: products.list_campaign_products(s, actor=actor, campaign_id=campaign_id))


# ---- catalogue -------------------------------------------------------------------------------------------------


def test_a_product_is_created_with_its_sku_upper_cased_and_listed_in_the_catalogue(database):
    owner = f.sponsor(database)
    product_id = product(database, owner, sku=" mug-1 ", price_cents=1_250)
    frame = catalogue(database, owner)
    assert frame[["id", "name", "sku", "price_cents", "attached_campaigns", "archived"]].values.tolist() == [
        [product_id, "Mug", "MUG-1", 1_250, 0, False]
    ]


def test_a_sku_is_unique_within_an_organization_whatever_its_case(database):
    owner = f.sponsor(database)
    product(database, owner, sku="MUG-1")
    with pytest.raises(Conflict, match="already has a product with SKU MUG-1"):
        product(database, owner, sku="mug-1", name="Other mug")
    assert len(catalogue(database, owner)) == 1


def test_two_organizations_may_use_the_same_sku(database):
    first, second = f.sponsor(database), f.sponsor(database)
    product(database, first, sku="MUG-1")
    product(database, second, sku="MUG-1")
    assert catalogue(database, first)["sku"].tolist() == ["MUG-1"]
    assert catalogue(database, second)["sku"].tolist() == ["MUG-1"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"sku": "bad sku!"}, "SKU must be 1–60 characters"),
        ({"sku": ""}, "SKU is required"),
        ({"name": "  "}, "Product name is required"),
        ({"price_cents": -1}, "Price cannot be negative"),
        ({"price_cents": 12.5}, "Price must be a whole number of cents"),
        ({"price_cents": 100_000_001}, r"Price is too large: the most a product can cost is \$1,000,000.00"),
    ],
)
def test_bad_product_input_is_refused_with_a_clear_message_and_nothing_is_stored(database, fields, message):
    owner = f.sponsor(database)
    arguments = {"name": "Mug", "sku": "MUG-1", "price_cents": 100, **fields}
    with pytest.raises(InvalidInput, match=message):
        f.write(database, lambda s: products.create_product(s, actor=owner, **arguments))
    assert catalogue(database, owner).empty


def test_a_product_update_applies_only_to_the_version_the_page_showed(database):
    owner = f.sponsor(database)
    product_id = product(database, owner)
    seen = version_of(database, owner, product_id)
    fields = {"name": "Big mug", "sku": "MUG-2", "price_cents": 1_500}
    f.write(
        database,
        lambda s: products.update_product(s, actor=owner, product_id=product_id, expected_version=seen, **fields),
    )
    with pytest.raises(Conflict, match="changed while you were looking"):
        f.write(
            database,
            lambda s: products.update_product(
                s, actor=owner, product_id=product_id, expected_version=seen, name="Stale", sku="X", price_cents=1
            ),
        )
    assert catalogue(database, owner)[["name", "sku", "price_cents"]].values.tolist() == [["Big mug", "MUG-2", 1_500]]


def test_renaming_a_sku_to_one_already_used_in_the_organization_is_a_conflict(database):
    owner = f.sponsor(database)
    product(database, owner, sku="A")
    second = product(database, owner, sku="B")
    seen = version_of(database, owner, second)
    with pytest.raises(Conflict, match="SKU A"):
        f.write(
            database,
            lambda s: products.update_product(
                s, actor=owner, product_id=second, expected_version=seen, name="B", sku="a", price_cents=1
            ),
        )


def test_a_never_attached_product_can_be_deleted_but_an_attached_one_only_archived(database):
    owner = f.sponsor(database)
    loose, gifted = product(database, owner, sku="LOOSE"), product(database, owner, sku="GIFT")
    attach(database, owner, f.campaign(database, owner), gifted)
    f.write(
        database,
        lambda s: products.delete_product(
            s, actor=owner, product_id=loose, expected_version=version_of(database, owner, loose)
        ),
    )
    with pytest.raises(Conflict, match="can only be archived"):
        f.write(
            database,
            lambda s: products.delete_product(
                s, actor=owner, product_id=gifted, expected_version=version_of(database, owner, gifted)
            ),
        )
    f.write(
        database,
        lambda s: products.archive_product(
            s, actor=owner, product_id=gifted, expected_version=version_of(database, owner, gifted)
        ),
    )
    assert catalogue(database, owner).empty
    archived = catalogue(database, owner, include_archived=True)
    assert archived[["sku", "archived", "attached_campaigns"]].values.tolist() == [["GIFT", True, 1]]


def test_an_archived_product_cannot_be_attached_until_restored(database):
    owner = f.sponsor(database)
    product_id = product(database, owner)
    campaign_id = f.campaign(database, owner)
    f.write(
        database,
        lambda s: products.archive_product(
            s, actor=owner, product_id=product_id, expected_version=version_of(database, owner, product_id)
        ),
    )
    with pytest.raises(Conflict, match="archived; restore it"):
        attach(database, owner, campaign_id, product_id)
    f.write(
        database,
        lambda s: products.restore_product(
            s, actor=owner, product_id=product_id, expected_version=version_of(database, owner, product_id)
        ),
    )
    assert attach(database, owner, campaign_id, product_id) > 0


# ---- attaching -------------------------------------------------------------------------------------------------


def test_a_product_is_attached_once_per_campaign(database):
    owner = f.sponsor(database)
    product_id, campaign_id = product(database, owner), f.campaign(database, owner)
    attach(database, owner, campaign_id, product_id, quantity=2)
    with pytest.raises(Conflict, match="already attached to this campaign"):
        attach(database, owner, campaign_id, product_id, quantity=5)
    assert lines(database, owner, campaign_id)["quantity"].tolist() == [2]
    # …but the same product may be gifted in another campaign.
    attach(database, owner, f.campaign(database, owner), product_id)


@pytest.mark.parametrize(
    ("quantity", "discount", "message"),
    [
        (0, "0", "Quantity cannot be less than 1"),
        ("two", "0", "Quantity must be a whole number"),
        (100_001, "0", "Quantity is too large"),
        (1, "100.01", "Discount must be a percentage from 0 to 100"),
        (1, "-5", "Discount must be a percentage from 0 to 100"),
        (1, "12.345", "at most two decimals"),
        (1, "ten", "Discount must be a percentage"),
        (1, float("nan"), "Discount must be a percentage"),
    ],
)
def test_bad_quantity_or_discount_is_refused_with_a_clear_message(database, quantity, discount, message):
    owner = f.sponsor(database)
    product_id, campaign_id = product(database, owner), f.campaign(database, owner)
    with pytest.raises(InvalidInput, match=message):
        attach(database, owner, campaign_id, product_id, quantity=quantity, discount=discount)
    assert lines(database, owner, campaign_id).empty


@pytest.mark.parametrize(("text", "bp"), [("15", 1_500), ("12.5%", 1_250), ("0.01", 1), ("100", 10_000), ("", 0)])
def test_a_discount_percentage_is_stored_as_basis_points(text, bp):
    assert products.clean_discount(text) == bp


def test_a_closed_campaign_cannot_change_its_gifted_products(database):
    owner = f.sponsor(database)
    product_id = product(database, owner)
    campaign_id = f.campaign(database, owner)
    line_id = attach(database, owner, campaign_id, product_id)
    f.write(database, lambda s: campaigns.set_status(s, actor=owner, campaign_id=campaign_id, status="cancelled"))
    with pytest.raises(Conflict, match="campaign is cancelled"):
        attach(database, owner, campaign_id, product(database, owner, sku="OTHER"))
    with pytest.raises(Conflict, match="campaign is cancelled"):
        f.write(
            database,
            lambda s: products.detach_product(s, actor=owner, campaign_product_id=line_id, expected_version=1),
        )
    assert lines(database, owner, campaign_id)["id"].tolist() == [line_id]


def test_an_attachment_is_updated_and_detached_only_at_the_version_shown(database):
    owner = f.sponsor(database)
    product_id, campaign_id = product(database, owner), f.campaign(database, owner)
    line_id = attach(database, owner, campaign_id, product_id)
    f.write(
        database,
        lambda s: products.update_attachment(
            s, actor=owner, campaign_product_id=line_id, expected_version=1, quantity=3, discount="10"
        ),
    )
    with pytest.raises(Conflict, match="changed while you were looking"):
        f.write(
            database,
            lambda s: products.detach_product(s, actor=owner, campaign_product_id=line_id, expected_version=1),
        )
    assert lines(database, owner, campaign_id)[["quantity", "discount_bp"]].values.tolist() == [[3, 1_000]]
    f.write(
        database, lambda s: products.detach_product(s, actor=owner, campaign_product_id=line_id, expected_version=2)
    )
    assert lines(database, owner, campaign_id).empty


# ---- gifted value ----------------------------------------------------------------------------------------------


def test_gifted_value_is_price_times_quantity_less_discount_rounded_half_up_per_line(database):
    owner = f.sponsor(database)
    first, second = f.campaign(database, owner), f.campaign(database, owner)
    mug = product(database, owner, sku="MUG", price_cents=1_999)
    tee = product(database, owner, sku="TEE", price_cents=333)
    attach(database, owner, first, mug, quantity=3, discount="12.5")  # 5,997 × 0.875 = 5,247.375 → 5,247
    attach(database, owner, first, tee, quantity=1, discount="50")  # 333 × 0.5 = 166.5 → 167 (half-up)
    attach(database, owner, second, tee, quantity=10, discount="100")  # free: 0
    expected_first = products.line_value_cents(1_999, 3, 1_250) + products.line_value_cents(333, 1, 5_000)
    assert expected_first == 5_247 + 167
    values = f.read(database, lambda s: products.gifted_value_by_campaign(s, actor=owner))
    assert values == {first: 5_414, second: 0}
    assert lines(database, owner, first)["value_cents"].tolist() == [5_247, 167]  # MUG, TEE by name
    only = f.read(database, lambda s: products.gifted_value_by_campaign(s, actor=owner, campaign_ids=[second]))
    assert only == {second: 0}


def test_gifted_value_sums_exactly_at_the_largest_price_and_quantity(database):
    owner = f.sponsor(database)
    campaign_id = f.campaign(database, owner)
    product_id = product(database, owner, price_cents=100_000_000)
    attach(database, owner, campaign_id, product_id, quantity=100_000, discount="0.01")
    expected = 100_000_000 * 100_000 * 9_999 // 10_000
    assert f.read(database, lambda s: products.gifted_value_by_campaign(s, actor=owner)) == {campaign_id: expected}


def test_gifted_value_never_answers_for_another_organizations_campaigns(database):
    mine, theirs = f.sponsor(database), f.sponsor(database)
    their_campaign = f.campaign(database, theirs)
    attach(database, theirs, their_campaign, product(database, theirs))
    values = f.read(database, lambda s: products.gifted_value_by_campaign(s, actor=mine, campaign_ids=[their_campaign]))
    assert values == {}
    admin_view = f.read(database, lambda s: products.gifted_value_by_campaign(s, actor=f.admin(database)))
    assert admin_view == {their_campaign: 1_250}


# ---- who may do what -------------------------------------------------------------------------------------------


def test_another_organizations_member_can_neither_see_nor_change_products_or_attachments(database):
    owner, stranger = f.sponsor(database), f.sponsor(database)
    product_id, campaign_id = product(database, owner), f.campaign(database, owner)
    line_id = attach(database, owner, campaign_id, product_id)
    their_campaign = f.campaign(database, stranger)
    before = f.snapshot(database, ("products", "campaign_products"))
    attempts = [
        lambda s: products.update_product(
            s, actor=stranger, product_id=product_id, expected_version=1, name="X", sku="X", price_cents=1
        ),
        lambda s: products.archive_product(s, actor=stranger, product_id=product_id, expected_version=1),
        lambda s: products.delete_product(s, actor=stranger, product_id=product_id, expected_version=1),
        lambda s: products.attach_product(s, actor=stranger, campaign_id=their_campaign, product_id=product_id),
        lambda s: products.attach_product(s, actor=stranger, campaign_id=campaign_id, product_id=product_id),
        lambda s: products.update_attachment(
            s, actor=stranger, campaign_product_id=line_id, expected_version=1, quantity=9
        ),
        lambda s: products.detach_product(s, actor=stranger, campaign_product_id=line_id, expected_version=1),
        lambda s: products.list_campaign_products(s, actor=stranger, campaign_id=campaign_id),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            f.write(database, attempt)
    assert catalogue(database, stranger).empty
    assert f.snapshot(database, ("products", "campaign_products")) == before


def test_a_product_cannot_be_attached_to_another_organizations_campaign(database):
    owner, stranger = f.sponsor(database), f.sponsor(database)
    with pytest.raises(NotFound, match="not your organization's"):
        attach(database, owner, f.campaign(database, stranger), product(database, owner))


def test_an_analyst_reads_the_catalogue_and_campaign_products_but_changes_nothing(database):
    owner = f.sponsor(database)
    analyst = teammate(database, owner, "analyst")
    product_id, campaign_id = product(database, owner), f.campaign(database, owner)
    line_id = attach(database, owner, campaign_id, product_id)
    assert catalogue(database, analyst)["id"].tolist() == [product_id]
    assert lines(database, analyst, campaign_id)["id"].tolist() == [line_id]
    before = f.snapshot(database, ("products", "campaign_products"))
    for attempt in (
        lambda s: products.create_product(s, actor=analyst, name="N", sku="N", price_cents=1),
        lambda s: products.archive_product(s, actor=analyst, product_id=product_id, expected_version=1),
        lambda s: products.attach_product(s, actor=analyst, campaign_id=campaign_id, product_id=product_id),
        lambda s: products.detach_product(s, actor=analyst, campaign_product_id=line_id, expected_version=1),
    ):
        with pytest.raises(PermissionDenied):
            f.write(database, attempt)
    assert f.snapshot(database, ("products", "campaign_products")) == before


def test_a_manager_edits_the_catalogue_of_their_organization(database):
    owner = f.sponsor(database)
    manager = teammate(database, owner, "manager")
    product_id = product(database, manager)
    assert catalogue(database, owner)["id"].tolist() == [product_id]


def test_influencers_and_admins_have_no_catalogue_and_admins_change_nothing(database):
    influencer, admin = f.influencer(database), f.admin(database)
    for who in (influencer, admin, None):
        with pytest.raises(PermissionDenied):
            f.read(database, lambda s, who=who: products.list_products(s, actor=who))
        with pytest.raises(PermissionDenied):
            product(database, who)


def test_an_admin_reads_any_campaigns_products(database):
    owner = f.sponsor(database)
    campaign_id = f.campaign(database, owner)
    attach(database, owner, campaign_id, product(database, owner))
    assert len(lines(database, f.admin(database), campaign_id)) == 1


def test_deleting_a_campaign_removes_its_product_lines_but_keeps_the_product(database):
    owner = f.sponsor(database)
    campaign_id = f.campaign(database, owner, status="draft")
    product_id = product(database, owner)
    attach(database, owner, campaign_id, product_id)
    f.write(database, lambda s: campaigns.delete_campaign(s, actor=owner, campaign_id=campaign_id))
    assert catalogue(database, owner)["attached_campaigns"].tolist() == [0]
    assert f.read(database, lambda s: products.gifted_value_by_campaign(s, actor=owner)) == {}
