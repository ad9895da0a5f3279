# The documentation's code examples run as doctests; the Sphinx configuration
# and the build output are not test modules.
collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "auto_examples/*"]
