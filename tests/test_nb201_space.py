import numpy as np
import pandas as pd
import pytest

from nasbook.spaces import nb201


@pytest.fixture(scope="module")
def table(shared_data):
    return pd.read_csv(shared_data / "nb201" / "nb201.csv")


def test_index_rule_matches_the_official_table_for_all_archs(table):
    assert nb201.all_archs() == table.arch.tolist()
    for i in [0, 9, 123, 9930, 15624]:
        assert nb201.arch_of(i) == table.arch[i]
        assert nb201.index_of(table.arch[i]) == i


def test_roundtrip_and_op_order():
    assert nb201.OPS == ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    ops = (3, 3, 3, 1, 3, 3)
    s = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    assert nb201.to_str(ops) == s and nb201.parse(s) == ops and nb201.index_of(s) == 9930


@pytest.mark.parametrize("bad, message", [
    ("|nor_conv_3x3~0|+|none~0|none~1|", "3 nodes"),
    ("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown op 'conv'"),
    ("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|", "must read 'op~0'"),
    ("|none~0|+|none~0|+|none~0|none~1|none~2|", "needs 2 input"),
    ("none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "wrapped in '|'"),
])
def test_invalid_strings_get_clear_errors(bad, message):
    with pytest.raises(nb201.ArchError, match=message):
        nb201.parse(bad)
    with pytest.raises(nb201.ArchError):
        nb201.arch_of(15625)


def test_onehot_encoding_edge_order():
    m = nb201.onehot("|avg_pool_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|")
    assert m.shape == (6, 5) and (m.sum(1) == 1).all()
    assert m.argmax(1).tolist() == [4, 0, 1, 2, 3, 0]
    enc = nb201.encode(nb201.all_archs()[:7])
    assert enc.shape == (7, 30)
    assert (enc.reshape(7, 6, 5).argmax(2) == nb201.ops_matrix()[:7]).all()


def test_sampling_is_uniform_and_seeded():
    from scipy.stats import chisquare
    rng = np.random.default_rng(0)
    ops = np.array([nb201.parse(nb201.sample(rng)) for _ in range(5000)])
    for e in range(6):
        assert chisquare(np.bincount(ops[:, e], minlength=5)).pvalue > 1e-4
    a = [nb201.sample(np.random.default_rng(7)) for _ in range(2)]
    assert a[0] == a[1]


def test_mutation_changes_exactly_one_edge():
    rng = np.random.default_rng(1)
    arch = nb201.arch_of(42)
    seen_edges = set()
    for _ in range(300):
        child = nb201.mutate(arch, rng)
        diff = [i for i, (x, y) in enumerate(zip(nb201.parse(arch), nb201.parse(child))) if x != y]
        assert len(diff) == 1
        seen_edges.add(diff[0])
    assert seen_edges == set(range(6))


def test_mutation_edge_frequencies_are_nats_benchs():
    from scipy.stats import chisquare
    """NATS-Bench picks a node uniformly, then an incoming edge: 1/3, 1/6, 1/6, 1/9, 1/9, 1/9;
    the new op is uniform over the 4 others."""
    rng = np.random.default_rng(0)
    parent = nb201.parse(nb201.arch_of(42))
    counts, ops = np.zeros(6), np.zeros((6, 5))
    for _ in range(9000):
        child = nb201.parse(nb201.mutate(parent, rng))
        (e,) = [i for i in range(6) if child[i] != parent[i]]
        counts[e] += 1
        ops[e, child[e]] += 1
    expected = 9000 * np.array([1 / 3, 1 / 6, 1 / 6, 1 / 9, 1 / 9, 1 / 9])
    np.testing.assert_allclose(nb201.MUTATION_EDGE_PROBS, expected / 9000)
    assert chisquare(counts, expected).pvalue > 1e-3
    assert chisquare(counts, np.full(6, 1500)).pvalue < 1e-6  # not uniform over edges
    assert all(ops[e, parent[e]] == 0 for e in range(6))
    assert chisquare(ops[0][np.arange(5) != parent[0]]).pvalue > 1e-3
