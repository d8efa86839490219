"""Chart builders: pure functions from DataFrames to plotly/altair figures (no streamlit)."""
