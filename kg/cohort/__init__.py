"""Cohorts: the seeded synthetic cohort (synth.py); deciding many patients at once comes here (issue 17)."""
