"""Search spaces. `nb201` is the NAS-Bench-201 cell space."""
