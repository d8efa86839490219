"""Believable demo data and bulk benchmark data, built through the real services."""
