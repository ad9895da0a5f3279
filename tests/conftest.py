import os

from hypothesis import settings

# CI runs the property tests on a fixed, derandomised set of examples so that a
# failure reproduces; locally they explore new examples each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev")
settings.load_profile("ci" if os.environ.get("CI") else "dev")
