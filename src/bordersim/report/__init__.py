"""Reports of experiments: figures of outcome distributions, time series, maps and the dilemma."""
