"""gistreg.cohort."""
