"""Sensitivity analysis of the estimates: Morris screening on the scenario contrasts (docs/ODD.md 10)."""
