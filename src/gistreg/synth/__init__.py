"""gistreg.synth."""
