"""Plan Desk benchmarks: `python -m bench` measures each figure beside a baseline run in the same process."""
