"""Every fuzz target replays its corpus cleanly, on every OS (no atheris needed).

Replayed per target: the committed corpus fuzz/corpus/<target>/ (merged by campaigns) and the
seeds generated from the golden vectors (fuzz/wasmnet_fuzz/seeds.py). An input that makes a
target raise is a finding: the failure lists each one with its signature and the command that
turns it into a vector. The differential targets talk to the reference testee (a subprocess).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmnet_fuzz.findings import reproduce, signature_of
from wasmnet_fuzz.seeds import load_vectors, seeds_for
from wasmnet_fuzz.targets import TARGETS
from wasmnet_fuzz.targets.differential import PEER_ENV, close_peer

CORPUS = Path(__file__).resolve().parents[1] / "fuzz" / "corpus"


@pytest.fixture(scope="module")
def vectors() -> list[dict[str, object]]:
    return load_vectors()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_corpus_replays_clean(name: str, vectors: list[dict[str, object]],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PEER_ENV, raising=False)  # differential targets: the reference testee
    target = TARGETS[name]
    inputs = {f"seed {i}": s for i, s in enumerate(seeds_for(target, vectors))}
    directory = CORPUS / name
    if directory.is_dir():
        inputs.update({f"corpus {p.name}": p.read_bytes() for p in sorted(directory.iterdir())})
    assert inputs
    failures = []
    try:
        for label, data in inputs.items():
            exc = reproduce(target, data)
            if exc is not None:
                failures.append(f"{label}: {signature_of(target, exc).text()}: {exc}")
    finally:
        close_peer()
    assert not failures, (
        f"{len(failures)} of {len(inputs)} inputs fail {name} (turn each into a vector with "
        f"python -m wasmnet_fuzz.to_vector FILE --target {name}):\n" + "\n".join(failures[:20])
    )


def test_campaign_targets_have_a_committed_corpus() -> None:
    from wasmnet_fuzz.targets import CAMPAIGN_TARGETS

    missing = [n for n in CAMPAIGN_TARGETS if not (CORPUS / n).is_dir()]
    assert not missing, f"no fuzz/corpus/<target>/ for {missing}: run a campaign"
