"""IESCP domain core: models, rules and use cases. Never imports streamlit, huey or pages."""
