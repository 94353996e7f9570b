"""Speed benchmarks for strata against Keras 3 and a hand-written JAX loop (see `run.py`)."""
