"""The web server: `streamlit run server.py` serves app.py with Streamlit's own server plus one fix.

Streamlit's frontend cannot tell the server's base path from a page URL such as /admin-reports, so on a direct
load or a reload it first probed /admin-reports/_stcore/health and /_stcore/host-config: two 404s in the
browser console every time (streamlit/streamlit#7074) before it tried "/". The frontend takes the base from
`window.__streamlit` when the hosting page sets it; pages/common/direct_page_base.py sets it on page URLs.
`streamlit run app.py` still works, with those 404s.

At start it sets up the process's logging (core/platform/logs.py) and, under IESCP_ENV=production, refuses to
serve with unsafe settings (core/platform/config.py check_production, bootstrap.check_admin_available).
"""

import logging

import streamlit as st
import streamlit.logger as st_logger
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from core.platform import bootstrap, logs
from core.platform.config import InsecureConfiguration, check_production, get_settings
from core.platform.db import connect
from pages.common.direct_page_base import DirectPageBase

st.secrets.load_if_toml_exists()  # root-level secrets become IESCP_* variables before settings are read
logs.setup_logging("app")


def _streamlit_logs_like_ours() -> None:
    """Streamlit gives each of its loggers a private text handler (propagate off): give those our formatter too,
    so a JSON log has no text lines (streamlit.logger looks setup_formatter up at call time, for new loggers)."""
    formatter = logs.make_formatter("app")
    setup_streamlit_formatter = st_logger.setup_formatter

    def setup_formatter(logger: logging.Logger) -> None:
        setup_streamlit_formatter(logger)
        logger.streamlit_console_handler.setFormatter(formatter)  # type: ignore[attr-defined]

    st_logger.setup_formatter = setup_formatter
    st_logger.update_formatter()


if get_settings().log_format == "json":
    _streamlit_logs_like_ours()

EX_CONFIG = 78  # sysexits.h: a configuration error; a service manager should not restart in a loop


def _refuse_unsafe_production() -> None:
    """Exit before serving when IESCP_ENV=production and the settings are unsafe (one log line says why)."""
    if not get_settings().production:
        return
    try:
        check_production()
        database = connect(get_settings().database_url)
        try:
            bootstrap.check_admin_available(database.engine)
        finally:
            database.dispose()
    except InsecureConfiguration as problem:
        logging.getLogger("iescp.server").critical("refusing to start: %s", problem)
        raise SystemExit(EX_CONFIG) from None


_refuse_unsafe_production()

# pages/ is our package of page scripts, not Streamlit's v1 pages folder: app.py builds st.navigation itself.
# Streamlit decides "v1" until the first st.navigation call of the process, so the very first run served a
# navigation of pages/*.py and "Page not found" for any page URL (a direct load or a reload right after a start).
PagesManager.uses_pages_directory = False

app = st.App("app.py", middleware=[Middleware(DirectPageBase)])
