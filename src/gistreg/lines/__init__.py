"""gistreg.lines."""
