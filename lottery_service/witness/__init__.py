"""C2SP tlog-witness: the log's push client and a small witness server (PROTOCOL.md §12).

    protocol  the add-checkpoint request and responses as bytes (pure)
    client    push a checkpoint to a witness over HTTP, resync on 409, typed outcomes
    server    a witness: verifies the log, never cosigns a fork, persists atomically
    cli       `sunshine witness serve` and `sunshine witness init`
"""
