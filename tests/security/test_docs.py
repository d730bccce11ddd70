"""docs/security.md's role x action table is the declared policy's (python -m lehuo policy_table)."""

from pathlib import Path

from lehuo.accounts.management.commands.policy_table import table

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_security_doc_holds_the_generated_table():
    text = DOC.read_text()
    start, end = "<!-- policy-table:start -->\n", "<!-- policy-table:end -->"
    documented = text[text.index(start) + len(start):text.index(end)]
    assert documented == table(), "run: python -m lehuo policy_table, and paste it into docs/security.md"
