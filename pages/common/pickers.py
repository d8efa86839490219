"""The one way to pick a record from a list by name: what the picker shows is always what it returns.

A keyed st.selectbox keeps its identity when its options change, and its value travels as the label text:
after a filter change it could keep showing a name that is no longer among its options while returning
another record. Here the widget's key carries a digest of its (id, label) options, so a new list is a new
widget; the last choice is remembered under the plain key and kept when it is still on the list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import streamlit as st


def _digest(options: Mapping) -> str:
    return hashlib.blake2s(repr(list(options.items())).encode(), digest_size=6).hexdigest()


def widget_key(key: str, options: Mapping) -> str:
    """The selectbox key for this exact list of options (tests use it to find the widget)."""
    return f"{key}:{_digest(options)}"


def remember(key: str, record_id) -> None:
    """Make record_id the choice the next time the picker is drawn (e.g. a record just created)."""
    st.session_state[key] = record_id


def likely_choice(key: str, options: Mapping, *, preselect=None):
    """The id pick(key=key, options, preselect=) will most likely return this run: a guess for reading its record
    early, in the list's own transaction; the caller compares it with what pick returns."""
    widget = st.session_state.get(widget_key(key, options)) if options else None
    for candidate in (preselect, widget, st.session_state.get(key)):
        if candidate is not None and candidate in options:
            return candidate
    return next(iter(options), None)


_UNSET = object()
NOTHING = "(none)"  # stands for a None option: Streamlit reads a None value as "nothing chosen yet"


def pick(
    label: str,
    options: Mapping,
    *,
    key: str,
    preselect=None,
    default=None,
    where=None,
    placeholder: str | None = None,
    **selectbox_options,
):
    """A selectbox over options {id: label}; returns the chosen id (None when empty or, with a placeholder, unset).

    preselect (a deep link, read once) wins over the remembered choice, which wins over default (the current
    value of a field being edited); where is the container (a column, a form) to draw in. An id may be None
    (e.g. "No campaign")."""
    if not options:
        return None
    values = [NOTHING if i is None else i for i in options]
    labels = {NOTHING if i is None else i: text for i, text in options.items()}
    widget = widget_key(key, options)
    index: int | None = None if placeholder else 0
    if preselect is not None and preselect in options:
        st.session_state[widget] = preselect
        index = 0  # the session state decides; a non-default index beside it would be a conflict
    elif widget not in st.session_state:  # a new list: start on the remembered choice, else the default
        for candidate in (st.session_state.get(key, _UNSET), default):
            if candidate is not _UNSET and candidate in options:
                index = values.index(NOTHING if candidate is None else candidate)
                break
    chosen = (where or st).selectbox(
        label,
        values,
        format_func=labels.get,
        key=widget,
        index=index,
        placeholder=placeholder,
        **selectbox_options,
    )
    chosen = None if chosen == NOTHING else chosen
    st.session_state[key] = chosen
    return chosen
