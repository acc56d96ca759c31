"""Demo data: a realistic company for every screen, and a bulk tenant for benchmarks."""
