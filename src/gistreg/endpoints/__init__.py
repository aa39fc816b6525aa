"""gistreg.endpoints."""
