"""Multi-worker training (``tf.distribute.MultiWorkerMirroredStrategy``): who writes where.

As TensorFlow's multi-worker Keras tutorial prescribes, every worker runs the same saving code
(reading distributed variables may involve collective ops that need every worker), but only the
chief writes into the run directory; each other worker writes into a temporary directory of
its own, which is removed when the run ends. The cluster comes from the ``TF_CONFIG``
environment variable, one per machine (see docs/scale-and-speed.md).
"""

import json
import os
import shutil

WORKER_DIR = ".worker-{task_type}-{task_id}"


def cluster_task(strategy):
    """(task type, task id) of this process in the cluster, or (None, None) outside one."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return None, None
    return resolver.task_type, resolver.task_id


def is_chief(strategy):
    """The chief writes the run: task ``chief``, else ``worker`` 0 of a cluster without one, else a lone process."""
    task_type, task_id = cluster_task(strategy)
    if task_type is None:
        return True
    if task_type == "chief":
        return True
    has_chief = "chief" in strategy.cluster_resolver.cluster_spec().as_dict()
    return task_type == "worker" and task_id == 0 and not has_chief


def write_dir(run_dir, strategy, fresh=True):
    """Where this process writes: ``run_dir`` for the chief, a temporary directory inside it for the others."""
    if is_chief(strategy):
        return run_dir
    task_type, task_id = cluster_task(strategy)
    path = os.path.join(run_dir, WORKER_DIR.format(task_type=task_type, task_id=task_id))
    if fresh:
        shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)
    return path


def remove_temporary(path, run_dir):
    """Delete a non-chief worker's temporary directory (never the run directory itself)."""
    if os.path.abspath(path) != os.path.abspath(run_dir):
        shutil.rmtree(path, ignore_errors=True)


def tf_config(workers, index, task_type="worker"):
    """The ``TF_CONFIG`` JSON text for task ``index`` of a cluster of ``host:port`` workers."""
    return json.dumps({"cluster": {"worker": list(workers)}, "task": {"type": task_type, "index": int(index)}})


def in_multi_worker_mode():
    import tensorflow as tf

    strategy = tf.distribute.get_strategy()
    extended = strategy.extended
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and extended._in_multi_worker_mode()


def reducible_logs(logs):
    """A train step's scalar logs, as shape-[1] tensors under multi-worker training.

    Keras averages the step outputs of a multi-worker run with ``strategy.reduce("MEAN", v, axis=0)``,
    which rejects scalars; a shape-[1] value reduces to the scalar mean over the replicas.
    """
    if not in_multi_worker_mode():
        return logs
    import tensorflow as tf

    return {name: tf.reshape(value, (1,)) for name, value in logs.items()}
