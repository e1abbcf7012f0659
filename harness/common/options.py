"""Comma-separated command-line lists (`--backends torch,jax`), parsed one way everywhere."""

from harness.cli import UsageError


def comma_list(text) -> list[str]:
    """The non-empty items of "a, b,,c", stripped, each once, in order."""
    return list(dict.fromkeys(x.strip() for x in (text or "").split(",") if x.strip()))


def choose(text, known, what: str, canonical=str.strip) -> list[str]:
    """The names `text` lists, each through `canonical` (aliases), all among `known`;
    UsageError naming the unknown ones and the known ones otherwise."""
    names = list(dict.fromkeys(canonical(x) for x in comma_list(text)))
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise UsageError(f"unknown {what} {', '.join(unknown) or repr(text)}; "
                         f"known: {', '.join(known)}")
    return names
