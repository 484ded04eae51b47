"""One random draw for the global batch, of which each replica takes its own slice.

Under ``tf.distribute`` each replica runs the train step on its share of the global batch. Noise
drawn per replica would depend on the replica count; drawing the global batch's noise from the
same seed on every replica and keeping this replica's rows gives N replicas exactly the noise
one device would use.
"""


def replica_context():
    """(number of replicas in sync, this replica's index); (1, 0) outside a strategy."""
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None:
        return 1, 0
    return context.num_replicas_in_sync, context.replica_id_in_sync_group


def replica_slice(draw, batch_size):
    """``draw(global_batch_size)`` cut to this replica's ``batch_size`` rows."""
    replicas, index = replica_context()
    values = draw(batch_size * replicas)
    if replicas == 1:
        return values
    start = index * batch_size
    return values[start : start + batch_size]
