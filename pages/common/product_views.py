"""Product catalogue forms and a campaign's gifted products panel: they act through core/crm/products.py."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.crm import products
from core.money import to_cents
from pages.common.markup import md
from pages.common.session import read, run_action
from pages.common.widgets import empty_state
from pages.common.formatting import money, table, units
from pages.common.pickers import pick

CATALOGUE_COLUMNS = {
    "name": st.column_config.TextColumn("Product", width="medium"),
    "price": st.column_config.NumberColumn("Price", format="dollar"),
    "sku": "SKU",
    "attached_campaigns": st.column_config.NumberColumn("Campaigns", help="Campaigns that gift it"),
    "archived": st.column_config.CheckboxColumn("Archived"),
    "description": st.column_config.TextColumn("Description", width="medium"),
}
LINE_COLUMNS = {
    "name": st.column_config.TextColumn("Product", width="medium"),
    "sku": "SKU",
    "price": st.column_config.NumberColumn("Unit price", format="dollar"),
    "quantity": st.column_config.NumberColumn("Qty"),
    "discount": st.column_config.NumberColumn("Discount", format="%.2f%%"),
    "value": st.column_config.NumberColumn("Gifted value", format="dollar"),
}


def catalogue_table(frame: pd.DataFrame) -> pd.DataFrame:
    """list_products' frame for display: price in currency units."""
    return frame.assign(price=frame["price_cents"] / 100)


def line_table(frame: pd.DataFrame) -> pd.DataFrame:
    """list_campaign_products' frame for display: money in units, discount in percent."""
    return frame.assign(
        price=frame["price_cents"] / 100, value=frame["value_cents"] / 100, discount=frame["discount_bp"] / 100
    )


def product_form(key: str, *, submit: str, current: dict | None = None) -> dict | None:
    """Name, SKU, price and description; the values on submit (price still text: parse it in run_action)."""
    c = current or {}
    with st.form(key):
        left, right = st.columns(2)
        name = left.text_input("Product name", value=c.get("name", ""), max_chars=120, key=f"{key}-name")
        sku = right.text_input("SKU", value=c.get("sku", ""), max_chars=60, key=f"{key}-sku", placeholder="e.g. MUG-01")
        price = left.text_input(
            "Price ($)", value=units(c["price_cents"]) if c else "", placeholder="e.g. 24.99", key=f"{key}-price"
        )
        description = st.text_area("Description", value=c.get("description", ""), key=f"{key}-description")
        if not st.form_submit_button(submit, type="primary", key=f"{key}-submit"):
            return None
    return {"name": name, "sku": sku, "price": price, "description": description}


def clear_form(key: str) -> None:
    """Empty a form after it was saved (its widgets keep their values across reruns otherwise)."""
    for field in ("name", "sku", "price", "description"):
        st.session_state.pop(f"{key}-{field}", None)


def product_fields(values: dict) -> dict:
    """Form values as service keyword arguments; parses the price, so call it inside run_action."""
    return {
        "name": values["name"],
        "sku": values["sku"],
        "description": values["description"],
        "price_cents": to_cents(values["price"], field="Price"),
    }


def manage_product(actor, row: dict) -> bool:
    """Edit, archive/restore or delete one product; True when something changed."""
    pid, seen = int(row["id"]), int(row["version"])
    values = product_form(f"edit-product-{pid}-{seen}", submit="Save changes", current=row)
    if values is not None:
        return bool(
            run_action(
                lambda s: products.update_product(
                    s, actor=actor, product_id=pid, expected_version=seen, **product_fields(values)
                ),
                success="Product saved",
            )
        )
    left, right = st.columns(2)
    if row["archived"]:
        if left.button("♻️ Restore", key=f"restore-{pid}"):
            return bool(
                run_action(
                    lambda s: products.restore_product(s, actor=actor, product_id=pid, expected_version=seen),
                    success="Product restored",
                )
            )
    elif left.button("🗄️ Archive", key=f"archive-{pid}", help="Hide it from the catalogue; campaigns keep it"):
        return bool(
            run_action(
                lambda s: products.archive_product(s, actor=actor, product_id=pid, expected_version=seen),
                success="Product archived",
            )
        )
    if int(row["attached_campaigns"]) == 0:
        sure = right.checkbox("Yes, delete it for good", key=f"delete-sure-{pid}")
        if right.button("🗑️ Delete", key=f"delete-{pid}", disabled=not sure):
            return bool(
                run_action(
                    lambda s: products.delete_product(s, actor=actor, product_id=pid, expected_version=seen),
                    success="Product deleted",
                )
            )
    else:
        right.caption("Gifted in a campaign: it can be archived, not deleted.")
    return False


def campaign_products_panel(actor, campaign_id: int, *, editable: bool) -> bool:
    """The products a campaign gifts with their value, an attach form and per-line changes; True on a change."""
    lines = read(lambda s: products.list_campaign_products(s, actor=actor, campaign_id=campaign_id))
    if lines is None:
        return False
    if lines.empty:
        empty_state(md("No gifted products yet — attach one from your **Products** catalogue below."), icon="🎁")
    else:
        table(line_table(lines), column_config=LINE_COLUMNS, hide_index=True, column_order=list(LINE_COLUMNS))
        st.caption(f"Gifted product value: {money(int(lines['value_cents'].sum()))} (each line rounded to the cent)")
    if not editable:
        return False
    return _attach_form(actor, campaign_id, lines) or (not lines.empty and _line_actions(actor, lines))


def _attach_form(actor, campaign_id: int, lines: pd.DataFrame) -> bool:
    catalogue = read(lambda s: products.list_products(s, actor=actor))
    if catalogue is None:
        return False
    choices = catalogue[~catalogue["id"].isin(lines["product_id"])]
    if choices.empty:
        empty_state(md("Every catalogue product is attached — add more on the **Products** page."))
        return False
    names = {int(i): f"{n} ({s})" for i, n, s in zip(choices["id"], choices["name"], choices["sku"])}
    with st.form(f"attach-{campaign_id}"):
        product_id = pick("Product", names, key=f"attach-product-{campaign_id}")
        left, right = st.columns(2)
        qty = left.number_input("Quantity", min_value=1, value=1, step=1, key=f"attach-qty-{campaign_id}")
        discount = right.text_input("Discount (%)", value="0", key=f"attach-discount-{campaign_id}")
        if not st.form_submit_button("🎁 Attach product", type="primary", key=f"attach-submit-{campaign_id}"):
            return False
    return bool(
        run_action(
            lambda s: products.attach_product(
                s, actor=actor, campaign_id=campaign_id, product_id=product_id, quantity=qty, discount=discount
            ),
            success="Product attached",
        )
    )


def _line_actions(actor, lines: pd.DataFrame) -> bool:
    names = {int(i): f"{n} ({s})" for i, n, s in zip(lines["id"], lines["name"], lines["sku"])}
    line_id = pick("Change a gifted product", names, key="line-pick")
    row = lines[lines["id"] == line_id].iloc[0]
    seen = int(row["version"])
    with st.form(f"line-{line_id}-{seen}"):
        left, right = st.columns(2)
        qty = left.number_input("Quantity", min_value=1, value=int(row["quantity"]), step=1, key=f"line-qty-{line_id}")
        discount = right.text_input("Discount (%)", value=f"{row['discount_bp'] / 100:g}", key=f"line-disc-{line_id}")
        save = left.form_submit_button("Save", key=f"line-save-{line_id}")
        drop = right.form_submit_button("Detach", key=f"line-detach-{line_id}")
    if save:
        return bool(
            run_action(
                lambda s: products.update_attachment(
                    s, actor=actor, campaign_product_id=line_id, expected_version=seen, quantity=qty, discount=discount
                ),
                success="Gifted product updated",
            )
        )
    if drop:
        return bool(
            run_action(
                lambda s: products.detach_product(s, actor=actor, campaign_product_id=line_id, expected_version=seen),
                success="Product detached",
            )
        )
    return False
