"""`python -m lottery_service …` is the `sunshine` command."""

from .cli import app

app(prog_name="sunshine")
