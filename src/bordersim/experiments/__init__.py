"""Scenario experiments: sweeps over scenarios, parameters and seeds, collected for comparison."""
