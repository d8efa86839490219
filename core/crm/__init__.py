"""A sponsor organization's CRM: pipeline, products, creator imports, metrics and tiers, snapshots, find similar."""
