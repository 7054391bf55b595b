"""Realism benchmark: microfab's quotes against published prices, cycle times and machinability ratios."""
