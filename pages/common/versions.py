"""Remember the version of each thing a page rendered, so a click acts on what the user saw.

A click reruns the whole script, which reads the data again *before* the button reports the click; the
version read then is the current one, not the one on screen. `seen` hands back the version stored by
the previous run (the run that drew the button) and stores the current one for the next click.
"""

from __future__ import annotations

import streamlit as st

PREFIX = "_seen_version:"


def seen(scope: str, current):
    """The version shown on the previous run of this scope (the current one the first time); remembers current."""
    key = PREFIX + scope
    shown = st.session_state.get(key, current)
    st.session_state[key] = current
    return shown
