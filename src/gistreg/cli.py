"""The ``gistreg`` command: parse arguments, call the library, render. No logic lives here.

Exit codes come from the exception tree (:mod:`gistreg.core.errors`): 0 success, 2 bad input (including
validation errors), 3 registry store problems, 4 cohort/endpoint problems, 5 estimation problems, 6 report
problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from gistreg import __version__
from gistreg.core.errors import DataValidationError, GistregError, InputError
from gistreg.core.issues import ValidationReport

app = typer.Typer(help="gistreg: real-world-evidence studies from clinical cancer registries.", no_args_is_help=True)

#: Issues listed per rule in the text report (the CSV has them all).
MAX_PER_RULE = 5

RegistryOption = Annotated[Path, typer.Option("--registry", "-r", help="Registry file (DuckDB).")]
CutoffOption = Annotated[
    str | None,
    typer.Option("--cutoff", help="Data cutoff YYYY-MM-DD: deaths and last contacts after it are reported (D04)."),
]
DictionaryOption = Annotated[
    Path | None, typer.Option("--dictionary", help="REDCap data dictionary (CSV) for a REDCap export.")
]


@app.callback()
def main() -> None:
    """gistreg: real-world-evidence studies from clinical cancer registries."""


# ----------------------------------------------------------------------------------------------------------
# rendering helpers (I/O only)
# ----------------------------------------------------------------------------------------------------------


def _to_stderr(line: str) -> None:
    typer.echo(line, err=True)


class StderrProgress:
    """Print ``step: done/total`` lines (on stderr by default): at each new step, at its end, and every tenth
    of the way for steps of 20 or more units."""

    def __init__(self, write: Callable[[str], None] = _to_stderr) -> None:
        self._write = write
        self._step = ""
        self._shown = -1

    def __call__(self, step: str, done: int, total: int) -> None:
        tenth = (10 * done) // total if total >= 20 else 10 if done >= total else 0
        if step != self._step or tenth != self._shown:
            self._step, self._shown = step, tenth
            self._write(f"  {step}: {done}/{total}")


def _rule_titles() -> Mapping[str, str]:
    from gistreg.registry.rules import RULES

    return {r.id: r.title for r in RULES}


def _print_report(report: ValidationReport, *, max_per_rule: int = MAX_PER_RULE, counts_line: bool = True) -> None:
    from gistreg.registry.report_text import format_report

    typer.echo(format_report(report, rule_titles=_rule_titles(), max_per_rule=max_per_rule,
                             counts_line=counts_line), nl=False)


def _parse_cutoff(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--cutoff: '{text}' is not a date (expected YYYY-MM-DD, e.g. 2024-06-30)") from None


@contextmanager
def _exit_codes() -> Iterator[None]:
    """Turn gistreg errors into a message on stderr and the error's exit code."""
    try:
        yield
    except DataValidationError as exc:
        if isinstance(exc.report, ValidationReport):
            _print_report(exc.report)
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    except GistregError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


# ----------------------------------------------------------------------------------------------------------
# commands
# ----------------------------------------------------------------------------------------------------------


@app.command()
def version() -> None:
    """Print the gistreg version."""
    typer.echo(__version__)


@app.command()
def init(file: Annotated[Path, typer.Argument(help="Registry file to create (DuckDB).")]) -> None:
    """Create an empty registry store."""
    from gistreg.registry.ddl import SCHEMA_VERSION
    from gistreg.registry.store import Registry

    with _exit_codes():
        Registry.init(file)
        typer.echo(f"Created registry {file} (layout version {SCHEMA_VERSION}).")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="Export to import: canonical CSV folder, Excel workbook or REDCap.")],
    registry: RegistryOption,
    dictionary: DictionaryOption = None,
    cutoff: CutoffOption = None,
) -> None:
    """Validate an export and import it into the registry (all or nothing)."""
    from gistreg.lines.store import refresh_lines
    from gistreg.registry.report_text import format_import_result
    from gistreg.registry.store import import_export

    with _exit_codes():
        result = import_export(registry, path, dictionary=dictionary, cutoff=_parse_cutoff(cutoff),
                               progress=StderrProgress())
        typer.echo(format_import_result(result), nl=False)
        if result.changed:
            typer.echo(f"Derived {refresh_lines(registry)} treatment lines (table treatment_lines).")
        if len(result.report):
            typer.echo("")
            _print_report(result.report, counts_line=False)


@app.command()
def validate(
    path: Annotated[Path | None, typer.Argument(help="Export to validate (nothing is imported).")] = None,
    registry: Annotated[
        Path | None, typer.Option("--registry", "-r", help="Validate the data stored in this registry instead.")
    ] = None,
    csv: Annotated[Path | None, typer.Option("--csv", help="Write every issue to this CSV file.")] = None,
    dictionary: DictionaryOption = None,
    cutoff: CutoffOption = None,
    max_per_rule: Annotated[int, typer.Option("--max-per-rule", min=0, help="Issues listed per rule.")] = MAX_PER_RULE,
) -> None:
    """Validate an export folder (or the stored data) and print every issue grouped by rule."""
    from gistreg.registry.report_text import issues_csv
    from gistreg.registry.store import validate_export, validate_registry

    with _exit_codes():
        when = _parse_cutoff(cutoff)
        if path is not None and registry is None:
            report = validate_export(path, dictionary=dictionary, cutoff=when, progress=StderrProgress())
        elif registry is not None and path is None:
            report = validate_registry(registry, cutoff=when)
        else:
            raise InputError("give either an export PATH or --registry FILE (exactly one of them)")
        _print_report(report, max_per_rule=max_per_rule)
        if csv is not None:
            try:
                csv.write_text(issues_csv(report), encoding="utf-8")
            except OSError as exc:
                raise InputError(f"--csv: cannot write {csv.name} ({exc.strerror})") from exc
            typer.echo(f"Wrote {len(report)} issues to {csv}.")
    if not report.ok:
        raise typer.Exit(DataValidationError.exit_code)


@app.command()
def summary(registry: RegistryOption) -> None:
    """Summarise a registry: counts per table, site, status, agent and treatment line; loads with file hashes."""
    from gistreg.registry.report_text import format_summary
    from gistreg.registry.summary import summarise

    with _exit_codes():
        typer.echo(format_summary(summarise(registry)), nl=False)


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the synthetic export into.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 20240601,
    patients: Annotated[int | None, typer.Option("--patients", min=1, help="Number of patients.")] = None,
) -> None:
    """Write a synthetic multi-centre GIST registry export (canonical CSV folder)."""
    from gistreg.synth import write_registry

    with _exit_codes():
        result = write_registry(out, seed=seed, patients=patients, progress=StderrProgress())
        typer.echo(f"Wrote a synthetic registry export to {out} (seed {seed}).")
        typer.echo(str(result))


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo's output.")] = Path("out"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the synthetic registry.")] = 20240601,
    patients: Annotated[
        int | None, typer.Option("--patients", min=1, help="Number of patients (default: the synthetic default).")
    ] = None,
) -> None:
    """Synthesise the default registry, import it into a new store and print its summary."""
    from gistreg.lines.store import refresh_lines
    from gistreg.registry.report_text import format_import_result, format_summary
    from gistreg.registry.store import Registry, import_export
    from gistreg.registry.summary import summarise
    from gistreg.synth import write_registry

    export, store = out / "registry-export", out / "registry.duckdb"
    with _exit_codes():
        out.mkdir(parents=True, exist_ok=True)
        typer.echo(f"Synthesising the registry export into {export} …", err=True)
        write_registry(export, seed=seed, patients=patients, progress=StderrProgress())
        for old in (store, store.with_name(store.name + ".wal")):
            old.unlink(missing_ok=True)
        Registry.init(store)
        typer.echo(f"Importing it into {store} …", err=True)
        result = import_export(store, export, progress=StderrProgress())
        typer.echo(format_import_result(result))
        refresh_lines(store)
        typer.echo(format_summary(summarise(store)), nl=False)
        from gistreg.report.build import run_bundled_studies

        reports = run_bundled_studies(store, out, say=_to_stderr)
        typer.echo(f"\nDemo output in {out}: {export.name}/ (synthetic export), {store.name} (registry).")
        typer.echo("Study reports: " + ", ".join(p.name for p in reports if p.suffix in (".html", ".docx")))
        typer.echo(f"Figures, datasets and result records: {len(reports)} files in {out}.")


@app.command()
def lines(
    patient: Annotated[str, typer.Argument(help="Registry pseudonym (patient_id) of the patient.")],
    registry: RegistryOption,
) -> None:
    """Show one patient's treatment lines as stored in the registry (rule version included)."""
    from gistreg.lines.store import patient_lines
    from gistreg.report.lines_text import format_patient_lines

    with _exit_codes():
        rows = patient_lines(registry, patient)
        if not rows:
            raise InputError(f"{registry.name}: no treatment lines for patient {patient!r}")
        typer.echo(format_patient_lines(patient, rows))


@app.command()
def run(
    spec: Annotated[Path, typer.Argument(help="Study specification (YAML).")],
    registry: RegistryOption,
    out: Annotated[Path, typer.Option("--out", help="Folder for the analysis dataset and result records.")],
) -> None:
    """Run a study: print attrition, Table 1 and outcomes; write the analysis dataset and all results."""
    from gistreg.cohort.spec import load_spec
    from gistreg.report.build import write_report
    from gistreg.report.text import format_study
    from gistreg.study.output import write_study_outputs
    from gistreg.study.run import open_registry, run_study

    with _exit_codes():
        study = load_spec(spec)
        if not registry.exists():
            raise InputError(f"{registry.name}: no such registry file (create one with gistreg init)")
        result = run_study(study, open_registry(str(registry)), progress=lambda m: _to_stderr(f"{study.id}: {m}"))
        typer.echo(format_study(result))
        written = write_study_outputs(result, out)
        written += write_report(result, out)
        typer.echo(f"\nWrote {', '.join(p.name for p in written)} to {out}.")


if __name__ == "__main__":  # pragma: no cover
    app()
