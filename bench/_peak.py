"""Run a script (argv[1:]) in this process and print its peak resident memory when it ends."""

import atexit
import resource
import runpy
import sys

atexit.register(lambda: print(f"PEAK_RSS_MB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"))
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
