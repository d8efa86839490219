"""Accounts, campaigns, ad requests and search: the two-sided marketplace itself."""
