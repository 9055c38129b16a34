"""Sensitivity analysis of the estimates on the scenario contrasts: Morris screening, Sobol' indices of
the factors that matter, and scenario discovery with PRIM (docs/ODD.md 8.3-8.5)."""
