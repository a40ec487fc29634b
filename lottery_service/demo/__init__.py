"""The demo: a whole season on a generated district (not part of running a real event).

`district` generates the import files a bureau would upload (and city-scale records
for the benchmarks); `season` drives them through the service with simulated
participants. `sunshine demo` runs both.
"""

from .season import (
    BEACON_ROUNDS,
    DemoClock,
    DemoRun,
    base64_key,
    escrow_holder_key,
    public_bytes,
    run_demo,
    sample_lookups,
    simulated_dice,
    simulated_secret,
)

__all__ = ["BEACON_ROUNDS", "DemoClock", "DemoRun", "base64_key", "escrow_holder_key",
           "public_bytes", "run_demo", "sample_lookups", "simulated_dice", "simulated_secret"]
