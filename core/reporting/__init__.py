"""Monthly reports, CSV exports and chart builders: reading the marketplace back to people."""
