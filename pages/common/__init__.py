"""Streamlit-only glue shared by every page: database access, the acting user, widgets."""
