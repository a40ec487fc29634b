"""The pure core: every function here is deterministic and does no I/O.

Module map (PROTOCOL.md section in brackets):
canonical [2.1] · hashing [2.2] · records [3] · merkle [4] · seed [5] ·
lottery [6] · inputs [3.3] · eligibility [7.1] · allocation [7.2-7.6] · bias [8] ·
grouping [9] · matching [10] · class_register [15] · log [11] · note [12] ·
season (the lifecycle state machine) · errors (exception tree).
"""
