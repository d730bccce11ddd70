"""Demo data for this module, loaded by `python -m lehuo demo` (idempotent)."""


def load(town, stdout) -> None:
    pass
