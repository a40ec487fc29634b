"""`sunshine witness init` and `sunshine witness serve`: host a tlog-witness (PROTOCOL.md §12).

A notary office or supervision group runs `init` once to make its keys and a
configuration, gives the printed verifier keys to the bureau, adds the log's
verifier key to `logs`, and runs `serve`. Registered on the `witness` command
group by `register(witness_app)`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from ..core.note import (
    Cosigner,
    MLDSA44Signer,
    NoteError,
    Signer,
    Verifier,
    check_key_name,
    cosigner_verifier,
)
from .server import WitnessConfig, WitnessConfigError, create_app

console = Console()

CONFIG_TEMPLATE = """# tlog-witness configuration (sunshine witness serve --config {config})
keys = "witness.keys"
state = "state"
listen = "127.0.0.1:7380"
# The verifier keys of the logs this witness accepts; the origin is each key's name.
logs = [{logs}]
"""


def init(name: Annotated[str, typer.Argument(help="witness name, e.g. witness.example.com/w1")],
         directory: Annotated[Path, typer.Argument(help="new directory for keys and state")],
         log: Annotated[list[str] | None, typer.Option(
             help="a log verifier key to accept (repeatable)")] = None,
         ed25519: Annotated[bool, typer.Option(help="make an Ed25519 key (type 0x04)")] = True,
         mldsa44: Annotated[bool, typer.Option(
             help="make an ML-DSA-44 key (type 0x06, recommended)")] = True) -> None:
    """Make a witness's keys and configuration; prints the verifier keys to publish."""
    try:
        check_key_name(name)
        logs = [Verifier.from_text(v).to_text() for v in log or []]
        keys: list[Cosigner] = []
        if mldsa44:
            keys.append(MLDSA44Signer.generate(name))
        if ed25519:
            keys.append(Signer.generate(name))
    except NoteError as e:
        console.print(f"[red]无效：{e}[/red]")
        raise typer.Exit(2) from None
    if not keys:
        console.print("[red]至少需要一种密钥；choose --ed25519 and/or --mldsa44[/red]")
        raise typer.Exit(2)
    try:
        directory.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        console.print(f"[red]目录已存在，不覆盖：{directory}；{directory} exists[/red]")
        raise typer.Exit(2) from None
    fd = os.open(directory / "witness.keys", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("# secret: this witness's private keys\n")
        out.writelines(k.private_key_text() + "\n" for k in keys)
    config = directory / "witness.toml"
    config.write_text(CONFIG_TEMPLATE.format(
        config=config, logs=", ".join(f'"{v}"' for v in logs)), encoding="utf-8")
    console.print(f"✓ 见证人 {name}：私钥在 {directory / 'witness.keys'}，配置在 {config}")
    console.print("把以下公钥交给教育局登记（the witness's verifier keys):")
    for key in keys:
        console.print(cosigner_verifier(key).to_text(), soft_wrap=True)


def serve(config: Annotated[Path, typer.Option(help="the witness.toml made by init")]) -> None:
    """Run the witness: POST /add-checkpoint and GET /<origin hash>/checkpoint."""
    try:
        settings = WitnessConfig.load(config)
    except WitnessConfigError as e:
        console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    console.print(f"见证人 {settings.name} 监听 http://{settings.host}:{settings.port}/")
    for origin in sorted({k.name for k in settings.logs}) or ["（尚无；none yet: add logs)"]:
        console.print(f"  接受日志 accepts log: {origin}")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="info")


def register(witness_app: typer.Typer) -> None:
    """Add `init` and `serve` to the `sunshine witness` command group."""
    witness_app.command("init")(init)
    witness_app.command("serve")(serve)
