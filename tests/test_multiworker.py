"""Two worker processes on localhost train one run with MultiWorkerMirroredStrategy.

Both end with identical weights (BatchNorm moving statistics included, as the workers
synchronise BatchNorm: without ``--sync-bn`` each worker keeps the statistics of its own
batches, and the chief's are checkpointed); only the chief writes into the run directory (the other
worker's temporary directory is gone afterwards); after both restart, ``--resume`` continues
from the chief's checkpoint.
"""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from gantk.training import workers

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "multiworker_worker.py")
TIMEOUT_S = 300


def free_ports(count):
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def run_cluster(run_dir, tmp_path, steps, resume=False):
    """Start both workers, wait (bounded) for both, and return their weights files; always kill them."""
    cluster = [f"127.0.0.1:{port}" for port in free_ports(2)]
    processes, outputs = [], []
    try:
        for index in range(2):
            weights = tmp_path / f"weights-{index}-{steps}.npz"
            log = open(tmp_path / f"worker-{index}-{steps}.log", "w")
            env = dict(os.environ, TF_CONFIG=workers.tf_config(cluster, index), TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
            args = [sys.executable, WORKER, str(run_dir), str(weights), str(steps)] + (["--resume"] if resume else [])
            processes.append((subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT), log))
            outputs.append(weights)
        for index, (process, log) in enumerate(processes):
            try:
                code = process.wait(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                code = "timeout"
            if code != 0:
                log.flush()
                tail = open(log.name).read()[-3000:]
                pytest.fail(f"worker {index} ended with {code}:\n{tail}")
        return outputs
    finally:
        for process, log in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
            log.close()


def load(path):
    with np.load(path) as stored:
        return [stored[f"arr_{i}"] for i in range(len(stored.files) - 1)], int(stored["g_iterations"])


def assert_identical(paths):
    (first, steps_a), (second, steps_b) = load(paths[0]), load(paths[1])
    assert steps_a == steps_b
    assert len(first) == len(second) > 0
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    return first, steps_a


@pytest.mark.slow
def test_two_workers_train_identically_and_resume(tmp_path):
    run_dir = tmp_path / "run"
    weights, iterations = assert_identical(run_cluster(run_dir, tmp_path, steps=2))
    assert iterations == 2
    names = sorted(os.listdir(run_dir))
    assert "checkpoints" in names and "generator.keras" in names and "config.json" in names
    assert not [name for name in names if name.startswith(".worker")], names
    config = json.load(open(run_dir / "config.json"))
    assert config["strategy"] == "multi-worker" and config["batch_size"] == 8

    resumed, iterations = assert_identical(run_cluster(run_dir, tmp_path, steps=4, resume=True))
    assert iterations == 4, "the resumed run must continue from step 2, not start again"
    assert any(not np.array_equal(a, b) for a, b in zip(weights, resumed))
    steps = [json.loads(line)["step"] for line in open(run_dir / "history.jsonl")]
    assert steps == [2, 4]
