"""``python -m verifier``."""

import gc
import sys

from verifier.cli import main

# A one-shot process: the cyclic collector could only rescan the millions of
# acyclic records a city log leaves alive (Verification.run pauses it too, but
# would restore it and pay one full scan right after the run).
gc.disable()
sys.exit(main())
