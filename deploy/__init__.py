"""Deployment: the local production-shaped cluster (cluster.py), the proxy template and service unit examples."""
