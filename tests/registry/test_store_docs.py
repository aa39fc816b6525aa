"""``docs/data-format.md`` is generated from the code and must not drift from it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gistreg.core.vocab import AGENTS, CTCAE_TERMS, VOCABULARIES
from gistreg.ingest import READER_RULES
from gistreg.registry.ddl import META_TABLES
from gistreg.registry.docs import render_data_format
from gistreg.registry.rules import RULES
from gistreg.registry.schema import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-format.md"


def test_committed_reference_equals_the_rendered_text() -> None:
    assert DOC.read_text(encoding="utf-8") == render_data_format(), (
        "docs/data-format.md is out of date: run `python -m gistreg.registry.docs > docs/data-format.md`"
    )


def test_reference_documents_every_table_column_code_agent_term_and_rule() -> None:
    text = render_data_format()
    for t in TABLES.values():
        assert f"### {t.name}\n" in text
        for c in t.columns:
            assert f"| `{c.name}`" in text
    for name, vocab in VOCABULARIES.items():
        assert f"### Vocabulary `{name}`" in text
        for code, label in vocab.codes.items():
            assert f"| `{code}` | {label.replace('|', chr(92) + '|')} |" in text
    for agent in AGENTS.values():
        assert f"| `{agent.code}` | {agent.label} |" in text
    for terms in CTCAE_TERMS.values():
        assert all(term in text for term in terms)
    for r in RULES:
        assert f"| `{r.id}` |" in text
    for rid in READER_RULES:
        assert f"| `{rid}` |" in text
    for m in META_TABLES:
        assert f"### {m}\n" in text


@dataclass(frozen=True)
class _Rule:
    id: str
    severity: str
    title: str
    description: str
    levels: tuple[str, ...] = ()


def test_rules_table_shows_every_level_and_escapes_pipes() -> None:
    text = render_data_format(rules=[_Rule("Z01", "error", "A | B", "x", ("error", "warning"))])
    assert "| `Z01` | error/warning | A \\| B | x |" in text
    assert "### Rule settings" not in text
