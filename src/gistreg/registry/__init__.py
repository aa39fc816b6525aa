"""gistreg.registry."""
