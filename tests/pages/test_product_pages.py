"""The Products page, the campaign's gifted products and metrics, and tiers in influencer search (AppTest)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from core.crm import products
from core.crm.metrics import Metric
from core.models import OrgMember
from pages.common import metrics_view
from tests import factories as f
from tests.pages.conftest import app_test, picker, select_result_rows


def open_page(name: str, actor_id: int | None) -> AppTest:
    return app_test(f"pages/sponsor/{name}.py", actor_id).run()


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def catalogue(db, actor, **kw):
    return f.read(db, lambda s: products.list_products(s, actor=actor, **kw))


def add_product(db, actor, *, name="Mug", sku="MUG-1", price_cents=1_250) -> int:
    return f.write(db, lambda s: products.create_product(s, actor=actor, name=name, sku=sku, price_cents=price_cents))


def analyst_of(db, owner):
    other = f.sponsor(db)
    f.write(
        db,
        lambda s: s.execute(
            update(OrgMember)
            .where(OrgMember.user_id == other.id)
            .values(organization_id=owner.organization_id, org_role="analyst")
        ),
    )
    return f.actor(db, other.id)


# ---- the Products page -----------------------------------------------------------------------------------------


def test_an_empty_catalogue_says_to_add_a_product(app_db):
    owner = f.sponsor(app_db)
    at = open_page("products", owner.id)
    assert_clean(at)
    assert [i.value for i in at.info] == ["No products yet — add one above."]


def test_an_influencer_is_refused_the_products_page(app_db):
    at = open_page("products", f.influencer(app_db).id)
    assert [e.value for e in at.error] == ["This page is not available for your account."]


def test_a_product_is_added_from_the_form_and_listed(app_db):
    owner = f.sponsor(app_db)
    at = open_page("products", owner.id)
    at.text_input(key="new-product-name").input("Travel mug")
    at.text_input(key="new-product-sku").input("mug-01")
    at.text_input(key="new-product-price").input("24.99")
    at.button(key="new-product-submit").click().run()
    assert_clean(at)
    rows = catalogue(app_db, owner)
    assert rows[["name", "sku", "price_cents"]].values.tolist() == [["Travel mug", "MUG-01", 2_499]]
    assert at.dataframe[0].value["name"].tolist() == ["Travel mug"]
    assert at.text_input(key="new-product-name").value == ""  # the add form is emptied after saving


def test_a_bad_price_shows_a_clear_error_and_saves_nothing(app_db):
    owner = f.sponsor(app_db)
    at = open_page("products", owner.id)
    at.text_input(key="new-product-name").input("Mug")
    at.text_input(key="new-product-sku").input("M")
    at.text_input(key="new-product-price").input("12,5")
    at.button(key="new-product-submit").click().run()
    assert [e.value for e in at.error] and "Price must be a number" in at.error[0].value
    assert catalogue(app_db, owner).empty


def test_a_duplicate_sku_is_refused_on_the_page(app_db):
    owner = f.sponsor(app_db)
    add_product(app_db, owner, sku="MUG-1")
    at = open_page("products", owner.id)
    at.text_input(key="new-product-name").input("Another")
    at.text_input(key="new-product-sku").input("mug-1")
    at.text_input(key="new-product-price").input("5")
    at.button(key="new-product-submit").click().run()
    assert "already has a product with SKU MUG-1" in at.error[0].value
    assert len(catalogue(app_db, owner)) == 1


def test_a_product_is_edited_in_the_prefilled_form_then_archived(app_db):
    owner = f.sponsor(app_db)
    product_id = add_product(app_db, owner)
    at = open_page("products", owner.id)
    assert at.text_input(key=f"edit-product-{product_id}-1-price").value == "12.50"
    at.text_input(key=f"edit-product-{product_id}-1-price").input("15")
    at.button(key=f"edit-product-{product_id}-1-submit").click().run()
    assert_clean(at)
    assert catalogue(app_db, owner)["price_cents"].tolist() == [1_500]
    at.button(key=f"archive-{product_id}").click().run()
    assert_clean(at)
    assert catalogue(app_db, owner).empty
    assert catalogue(app_db, owner, include_archived=True)["archived"].tolist() == [True]


def test_deleting_a_product_needs_the_confirmation_box(app_db):
    owner = f.sponsor(app_db)
    product_id = add_product(app_db, owner)
    at = open_page("products", owner.id)
    assert at.button(key=f"delete-{product_id}").disabled
    at.checkbox(key=f"delete-sure-{product_id}").check().run()
    at.button(key=f"delete-{product_id}").click().run()
    assert_clean(at)
    assert catalogue(app_db, owner, include_archived=True).empty


def test_an_analyst_sees_the_catalogue_without_any_form(app_db):
    owner = f.sponsor(app_db)
    add_product(app_db, owner)
    analyst = analyst_of(app_db, owner)
    at = open_page("products", analyst.id)
    assert_clean(at)
    assert at.dataframe[0].value["sku"].tolist() == ["MUG-1"]
    assert not at.text_input and not at.button
    assert "Your role reads the catalogue" in at.caption[-1].value


def test_hostile_product_names_show_as_typed(app_db):
    owner = f.sponsor(app_db)
    add_product(app_db, owner, name="[click](http://evil.example) **bold**")
    at = open_page("products", owner.id)
    assert_clean(at)
    shown = " ".join(m.value for m in at.markdown)
    assert "\\[click\\]" in shown and "\\*\\*bold\\*\\*" in shown


# ---- a campaign's gifted products and metrics ------------------------------------------------------------------


def test_the_campaign_page_attaches_a_product_and_shows_the_gifted_value(app_db):
    owner = f.sponsor(app_db)
    campaign_id = f.campaign(app_db, owner)
    product_id = add_product(app_db, owner, price_cents=2_000)
    at = open_page("campaigns", owner.id)
    at.session_state["campaign-section"] = "🎁 Gifted products"  # built only when open
    at.run()
    assert {m.label: m.value for m in at.metric}["Gifted products"] == "$0.00"
    picker(at, f"attach-product-{campaign_id}").select(product_id)
    at.number_input(key=f"attach-qty-{campaign_id}").set_value(3)
    at.text_input(key=f"attach-discount-{campaign_id}").input("12.5")
    at.button(key=f"attach-submit-{campaign_id}").click().run()
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}["Gifted products"] == "$52.50"  # 3 × $20 less 12.5 %
    assert "Gifted product value: $52.50" in " ".join(c.value for c in at.caption)
    value = f.read(app_db, lambda s: products.gifted_value_by_campaign(s, actor=owner))
    assert value == {campaign_id: 5_250}


def test_the_campaign_page_explains_why_cpm_is_unavailable_without_live_posts(app_db):
    owner = f.sponsor(app_db)
    f.campaign(app_db, owner)
    at = open_page("campaigns", owner.id)
    assert_clean(at)
    assert "CPM" not in [c.value for c in at.caption]  # drawn only while the cost-and-reach expander is open
    at.session_state["campaign-figures"] = True  # the user opened it
    at.run()
    assert_clean(at)
    captions = [c.value for c in at.caption]
    assert "CPM" in captions and "No accepted deals yet." in captions
    assert "— (unavailable)" in " ".join(m.value for m in at.markdown)


# ---- metrics rendering -----------------------------------------------------------------------------------------


def test_estimated_values_look_different_from_measured_ones():
    day = dt.date(2026, 11, 1)
    measured = Metric(12_300, "Followers", "measured", "Entered by the creator on their profile", day)
    estimated = Metric(12_300, "Reach / post", "estimated", "followers × (10 % + ER)", day)
    imported = Metric(4.25, "Engagement rate", "imported", "Creator import", day, "percent")
    money = Metric(123_456, "EMV", "estimated", "engagements × 10¢", day, "cents")
    assert metrics_view.metric_text(measured) == "12,300"
    assert metrics_view.metric_text(estimated) == "≈ 12,300 (estimated)"
    assert metrics_view.metric_text(imported) == "4.2% (imported)"
    assert metrics_view.metric_text(money) == "≈ $1,234.56 (estimated)"
    assert metrics_view.metric_markdown(estimated).startswith(":gray[*")
    assert metrics_view.metric_markdown(measured) == "**12,300**"
    assert metrics_view.provenance(measured) == "Entered by the creator on their profile · as of 01 Nov 2026"


# ---- tiers in influencer search --------------------------------------------------------------------------------


def test_find_influencers_filters_by_tier_and_shows_each_creators_tier(app_db):
    owner = f.sponsor(app_db)
    f.campaign(app_db, owner)
    f.influencers(
        app_db, [{"display_name": "Small", "followers": 5_000}, {"display_name": "Big", "followers": 2_000_000}]
    )
    at = open_page("find_influencers", owner.id)
    assert dict(zip(at.dataframe[0].value["display_name"], at.dataframe[0].value["tier"])) == {
        "Big": "mega",
        "Small": "nano",
    }
    at.selectbox(key="f-tier").select("mega")
    at.button(key="f-submit").click().run()
    assert_clean(at)
    assert at.dataframe[0].value["display_name"].tolist() == ["Big"]
    select_result_rows(at, 0)
    shown = " ".join(m.value for m in at.markdown)
    assert "**Mega** creator" in shown and "(estimated)" in shown
