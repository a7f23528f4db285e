"""Smarketing's own app has no tables; this module exists so that Django sends it
post_migrate (also after a test flush), which re-creates the role groups."""
