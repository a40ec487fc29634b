"""The collector around bulk work (lottery_service.heap; issue 13 §6)."""

from __future__ import annotations

import gc

import pytest

from lottery_service import heap


@pytest.mark.parametrize("enabled", [True, False])
def test_paused_restores_the_collector_as_it_was(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        with heap.paused():
            assert not gc.isenabled()
            with heap.paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner pause leaves the outer one in force
        assert gc.isenabled() is enabled
        with pytest.raises(RuntimeError), heap.paused():
            raise RuntimeError("a failed step")
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


def test_long_lived_freezes_what_it_built() -> None:
    before = gc.get_freeze_count()
    with heap.long_lived():
        kept = [[i] for i in range(1000)]
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(kept)
    gc.unfreeze()
