"""experiments.sweep on a Dask cluster gives the frames the default pool gives.

The cluster is a LocalCluster of 2 workers with one thread each, processes=False
(threads in this process: starting worker processes costs seconds on a loaded
2-core machine, and the executor path is the same)."""

import pytest

distributed = pytest.importorskip("distributed")

from pandas.testing import assert_frame_equal  # noqa: E402

from pagemig.experiments import sweep  # noqa: E402

ARGS = dict(trials=12, pages=8, mappings=("anonymous", "file linear"), seed=7)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.mark.parametrize("pure", [None, False])
def test_dask_executor_frames_equal_the_default_pool(client, pure):
    kwargs = {} if pure is None else {"pure": pure}
    ex = client.get_executor(**kwargs)
    got = sweep("pinned_fraction", [0.0, 0.5], executor=ex, **ARGS)
    want = sweep("pinned_fraction", [0.0, 0.5], **ARGS)
    assert_frame_equal(got, want)
    assert got["trials"].sum() == 2 * 2 * 12
