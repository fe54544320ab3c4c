"""Naming targets and writing the commands that start them or rerun one of their cases.

A target name becomes a directory (``reports/<target>/``) and an expectation file name, so it is
restricted to a plain name; a target given only as a command gets a name derived from it.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from pathlib import Path

from wasmnet_conformance.errors import UsageError

TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_DERIVED_NAME = 64
REPRO_PREFIX = "python -m wasmnet_conformance"
"""How a repro line starts: the suite as a module of whatever ``python`` has it installed."""


def check_target_name(name: str, option: str = "--target") -> str:
    """``name`` if it is usable as a directory name; UsageError (naming ``option``) if not."""
    if not TARGET_NAME.fullmatch(name):
        raise UsageError(f"{option} {name!r}: use letters, digits, '.', '_' and '-'")
    return name


def target_from_command(command: Sequence[str], fallback: str = "target") -> str:
    """A slug of the base names of ``command``'s words (``.py``/``.exe`` dropped)."""
    words = [re.sub(r"\.(py|exe)$", "", Path(w).name) for w in command]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    return slug[:MAX_DERIVED_NAME].strip("-") or fallback


def split_command(text: str, option: str) -> list[str]:
    """Split a command line like a shell would; UsageError (naming ``option``) if empty.

    Windows: split without POSIX escapes (backslashes are path separators), then drop the
    quotes that grouped a word; Popen quotes the words again for CreateProcess.
    """
    if os.name == "nt":
        command = [_unquote(w) for w in shlex.split(text, posix=False)]
    else:
        command = shlex.split(text)
    if not command:
        raise UsageError(f"{option} is empty")
    return command


def _unquote(word: str) -> str:
    return word[1:-1] if len(word) >= 2 and word[0] == word[-1] == '"' else word


def repro_line(options: Sequence[str], case_id: str) -> str:
    """``python -m wasmnet_conformance <options> -k <case_id>``, quoted for a POSIX shell."""
    return " ".join([REPRO_PREFIX, *(shlex.quote(o) for o in [*options, "-k", case_id])])
