"""Side-by-side benchmarks: ``python -m benchmarks.NAME --json`` prints one JSON object."""
