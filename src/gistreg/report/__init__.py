"""gistreg.report."""
