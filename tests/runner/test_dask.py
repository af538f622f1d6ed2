"""The same graph on a Dask distributed cluster (two worker processes on loopback) gives the same bytes."""

from __future__ import annotations

import builtins

import pytest

from cdiscflow.errors import CdiscflowError
from cdiscflow.runner.executors import open_executor


@pytest.mark.slow
def test_dask_cluster_run_is_byte_identical_to_a_local_run(study_dir, tmp_path, run_cli):
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is an optional extra")
    from test_determinism import tree

    assert run_cli(str(study_dir), "--reproducible", "--out", str(tmp_path / "local"))[0] == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        code, text = run_cli(str(study_dir), "--reproducible", "--out", str(tmp_path / "dask"), "--scheduler",
                             cluster.scheduler_address)
        assert code == 0, text
        with distributed.Client(cluster) as client:
            # the steps really ran on the workers: each worker process has imported the test step kinds
            seen = client.run(lambda: __import__("sys").modules.get("runner_kinds") is not None)
        assert any(seen.values())
        _, again = run_cli(str(study_dir), "--reproducible", "--out", str(tmp_path / "dask"), "--scheduler",
                           cluster.scheduler_address)
        assert "Nothing to do" in again
    local, remote = tree(tmp_path / "local" / "teststudy"), tree(tmp_path / "dask" / "teststudy")
    assert sorted(local) == sorted(remote)
    assert [k for k in local if local[k] != remote[k]] == []


def test_scheduler_without_dask_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("distributed"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(CdiscflowError, match=r"--scheduler needs Dask.*cdiscflow\[dask\]"):
        with open_executor(scheduler="tcp://127.0.0.1:1"):
            pass


def test_unreachable_scheduler_is_a_clear_error():
    pytest.importorskip("distributed")
    with pytest.raises(CdiscflowError, match="cannot reach the Dask scheduler"):
        with open_executor(scheduler="tcp://127.0.0.1:9", connect_timeout=1):
            pass
