"""Which shard a scope belongs to: stable across processes and releases, one shard per
scope, shares even over many scopes, and `I/N` read the way a person writes it."""

from __future__ import annotations

import math
import subprocess
import sys
import uuid
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from cloudcensus.scanner.shard import Shard, shard_index

#: Pinned assignments: a release that moved scopes between shards would make every
#: sharded deployment scan some accounts twice and others not at all for a night.
PINNED = {
    ("aws", "123456789012"): (0, 2, 2, 66),
    ("azure", "00000000-0000-0000-0000-000000000001"): (1, 2, 6, 41),
    ("gcp", "my-project-42"): (0, 2, 4, 20),
    ("openstack", "ovh:de1:project"): (0, 2, 4, 8),
}


def test_assignments_are_pinned() -> None:
    for (provider, account), expected in PINNED.items():
        got = tuple(shard_index(provider, account, n) for n in (2, 3, 7, 100))
        assert got == expected, (provider, account)


def test_another_process_with_another_hash_seed_agrees() -> None:
    """Every agent of a deployment is its own process: the split cannot depend on
    Python's per-process string hashing."""
    code = (
        "from cloudcensus.scanner.shard import shard_index;"
        "print(shard_index('aws', '123456789012', 100))"
    )
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.strip() == "66"


@given(
    provider=st.sampled_from(["aws", "azure", "gcp", "openstack", "scaleway", "outscale"]),
    account=st.text(min_size=1, max_size=80),
    count=st.integers(min_value=1, max_value=64),
)
def test_exactly_one_shard_owns_each_scope(provider: str, account: str, count: int) -> None:
    owners = [i for i in range(count) if Shard(index=i, count=count).owns(provider, account)]
    assert owners == [shard_index(provider, account, count)]


def _estate() -> list[tuple[str, str]]:
    """12,000 scope ids shaped like the real ones: AWS account numbers, Azure
    subscription GUIDs, GCP project ids."""
    aws = [("aws", f"{100000000000 + 7919 * n:012d}") for n in range(4000)]
    azure = [("azure", str(uuid.UUID(int=n * 2654435761))) for n in range(4000)]
    gcp = [("gcp", f"team-{n}-prod") for n in range(4000)]
    return aws + azure + gcp


@pytest.mark.parametrize("count", [2, 3, 5, 8, 16])
def test_shares_are_even(count: int) -> None:
    scopes = _estate()
    shares = Counter(shard_index(p, a, count) for p, a in scopes)
    assert set(shares) == set(range(count))
    mean = len(scopes) / count
    sigma = math.sqrt(mean * (1 - 1 / count))  # as if each scope drew its shard at random
    for index, share in shares.items():
        assert abs(share - mean) < 5 * sigma, (index, share, mean)


@pytest.mark.parametrize(
    ("text", "index", "count"), [("0/1", 0, 1), ("2/3", 2, 3), (" 4 / 10 ", 4, 10)]
)
def test_a_shard_is_written_i_of_n(text: str, index: int, count: int) -> None:
    shard = Shard.parse(text)
    assert (shard.index, shard.count) == (index, count)
    assert str(shard) == f"{index}/{count}"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("3/3", "0..N-1 (0..2)"),
        ("1/0", "count N of I/N must be 1..1000"),
        ("-1/2", "expected I/N"),
        ("1", "expected I/N"),
        ("a/b", "expected I/N"),
        ("0/1001", "must be 1..1000"),
    ],
)
def test_a_bad_shard_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Shard.parse(text)
    assert says in str(caught.value)
