"""The web server: `streamlit run server.py` serves app.py with Streamlit's own server plus one fix.

Streamlit's frontend cannot tell the server's base path from a page URL such as /admin-reports, so on a direct
load or a reload it first probed /admin-reports/_stcore/health and /_stcore/host-config: two 404s in the
browser console every time (streamlit/streamlit#7074) before it tried "/". The frontend takes the base from
`window.__streamlit` when the hosting page sets it; pages/common/direct_page_base.py sets it on page URLs.
`streamlit run app.py` still works, with those 404s.
"""

import streamlit as st
from starlette.middleware import Middleware

from pages.common.direct_page_base import DirectPageBase

app = st.App("app.py", middleware=[Middleware(DirectPageBase)])
