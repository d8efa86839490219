"""Infrastructure every package may use: settings, database, cache, clock, passwords, templates, full text, bootstrap."""
