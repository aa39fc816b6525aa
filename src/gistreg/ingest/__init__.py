"""gistreg.ingest."""
