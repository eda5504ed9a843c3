"""``kubectl hpa watch``: informers (list+watch), the per-refresh engine around core.decide, and the views."""
