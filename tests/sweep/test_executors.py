"""The same sweep gives identical runs/ content with 1 worker, 2 workers and Dask."""

from __future__ import annotations

import os
import warnings

import pandas as pd
import pytest

from alignsim.sweep.executors import DaskExecutor, LocalExecutor, local_cluster_addresses
from alignsim.sweep.runner import run
from alignsim.sweep.storage import read_runs


def _square_plus(item, context):
    return item * item + context["add"]


def test_local_executor_runs_everything():
    with LocalExecutor(workers=1) as executor:
        got = list(executor.map_unordered(_square_plus, range(5), {"add": 1}))
    assert got == [1, 2, 5, 10, 17]


@pytest.mark.slow
def test_worker_processes_use_single_threaded_blas():
    saved = os.environ.get("OMP_NUM_THREADS")
    with LocalExecutor(workers=2) as executor:
        env = set(executor.map_unordered(_thread_env, range(4), None))
        got = sorted(executor.map_unordered(_square_plus, range(30), {"add": 0}))
    assert env == {("1", "1", "1")}
    assert got == sorted(i * i for i in range(30))
    assert os.environ.get("OMP_NUM_THREADS") == saved  # the parent's setting is restored


def _thread_env(item, context):
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    return tuple(os.environ.get(n) for n in names)


@pytest.mark.slow
def test_identical_runs_across_executors(tiny_sweep, tmp_path):
    one = run(tiny_sweep, out=tmp_path / "w1", workers=1, chunk=5, progress=False)
    two = run(tiny_sweep, out=tmp_path / "w2", workers=2, chunk=5, progress=False)
    dask = run(tiny_sweep, out=tmp_path / "dask", scheduler="local", chunk=5, progress=False)
    assert len(one) == 12 and (one["status"] == "ok").all()
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(one, dask)
    for folder in ("w2", "dask"):
        pd.testing.assert_frame_equal(read_runs(tmp_path / folder), one)
        summary = (tmp_path / folder / "summary.csv").read_text()
        assert summary == (tmp_path / "w1" / "summary.csv").read_text()


@pytest.mark.slow
def test_dask_local_cluster_listens_on_localhost():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with DaskExecutor("local") as executor:
            address = executor._client.scheduler.address
            web = executor._cluster.scheduler.http_server
            got = sorted(executor.map_unordered(_square_plus, range(10), {"add": 2}))
    assert address.startswith("tcp://127.0.0.1:")
    # the scheduler's web server too, on a port the system picked: Dask's own choice, 8787,
    # may be held by another cluster (then Dask warns "Port 8787 is already in use")
    assert web.address == "127.0.0.1" and web.port not in (0, 8787)
    assert not [w for w in caught if "already in use" in str(w.message)]
    assert got == sorted(i * i + 2 for i in range(10))


def test_bad_worker_count():
    with pytest.raises(ValueError, match="1 or more"):
        LocalExecutor(workers=0)


@pytest.mark.slow
def test_existing_cluster_by_address(tiny_sweep, tmp_path):
    """--scheduler tcp://HOST:PORT: a cluster started elsewhere (here, by the test)."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      **local_cluster_addresses()) as cluster:  # fmt: skip
        remote = run(tiny_sweep, out=tmp_path / "remote", scheduler=cluster.scheduler_address,
                     chunk=5, progress=False)  # fmt: skip
    local = run(tiny_sweep, out=tmp_path / "local", workers=1, chunk=5, progress=False)
    pd.testing.assert_frame_equal(remote, local)
