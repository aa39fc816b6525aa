"""The ``gistreg`` command: parse arguments, call the library, render. No logic lives here."""

from __future__ import annotations

import typer

from gistreg import __version__

app = typer.Typer(help="gistreg: real-world-evidence studies from clinical cancer registries.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """gistreg: real-world-evidence studies from clinical cancer registries."""


@app.command()
def version() -> None:
    """Print the gistreg version."""
    typer.echo(__version__)


if __name__ == "__main__":  # pragma: no cover
    app()
