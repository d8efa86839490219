"""Products: the organization's catalogue (add, edit, archive, delete) for gifting in campaigns."""

import streamlit as st

from core.crm import products
from pages.common import product_views as pv
from pages.common.markup import md
from pages.common.session import current_actor, read, run_action, show_flash
from pages.common.widgets import empty_state
from pages.common.pickers import pick
from pages.common.formatting import table

actor = current_actor(role="sponsor")
st.title("Products", icon="🎁")
st.caption(
    "Your organization's catalogue. Attach products to a campaign on the Campaigns page: their value "
    "(price × quantity, less the discount) shows in the campaign's cost next to fees."
)
show_flash()
can_edit = actor.can("product.manage")

if can_edit:
    with st.expander("➕ Add a product", expanded=False):
        values = pv.product_form("new-product", submit="Add product")
        if values is not None and run_action(
            lambda s: products.create_product(s, actor=actor, **pv.product_fields(values)), success="Product added"
        ):
            pv.clear_form("new-product")
            st.rerun()

show_archived = st.toggle("Show archived products", key="products-archived")
frame = read(lambda s: products.list_products(s, actor=actor, include_archived=show_archived))
if frame is None:
    st.stop()
if frame.empty:
    hint = "No products yet — add one above." if can_edit else "No products yet — a manager or owner can add them."
    empty_state(hint, icon="📦")
    st.stop()
table(
    pv.catalogue_table(frame),
    column_config=pv.CATALOGUE_COLUMNS,
    hide_index=True,
    column_order=list(pv.CATALOGUE_COLUMNS),
)
if not can_edit:
    st.caption("Your role reads the catalogue; owners and managers change it.")
    st.stop()

names = {int(i): f"{n} ({s})" for i, n, s in zip(frame["id"], frame["name"], frame["sku"])}
product_id = pick("Edit a product", names, key="product-pick")
with st.container(border=True):
    st.markdown(md("**Edit {name}**", name=names[product_id]))
    if pv.manage_product(actor, frame[frame["id"] == product_id].iloc[0].to_dict()):
        st.rerun()
