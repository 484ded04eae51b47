"""Historical averaging (Salimans et al. 2016, "Improved techniques for training GANs", section 3.3)."""

import keras
from keras import ops


class HistoricalAveraging:
    """A discriminator regularizer ``weight * ||theta - (1/t) sum_{i<=t} theta[i]||^2``.

    ``theta`` is every trainable variable of ``discriminator``; ``theta[i]`` is its value at the
    i-th earlier discriminator update, so the average is over past parameters and the first
    update is not penalised. Each call returns the penalty for the current parameters and then
    adds them to the running mean. The mean and the count are non-trainable variables
    (``variables``), saved in checkpoints so that a resumed run continues the same average.
    Pulling the parameters towards their own history damps the oscillations of gradient descent
    in a game that has no minimum to settle in.
    """

    def __init__(self, weight, discriminator):
        self.weight = float(weight)
        self.tracked = list(discriminator.trainable_variables)
        self.means = [
            keras.Variable(ops.zeros(v.shape), dtype="float32", trainable=False, aggregation="only_first_replica",
                           name=f"historical_mean_{i}")
            for i, v in enumerate(self.tracked)
        ]
        self.count = keras.Variable(0.0, dtype="float32", trainable=False, aggregation="only_first_replica",
                                    name="historical_count")

    @property
    def variables(self):
        return [*self.means, self.count]

    def penalty(self):
        """The penalty for the current parameters against the stored mean, without updating it."""
        seen = ops.cast(self.count > 0, "float32")
        distance = sum(ops.sum(ops.square(ops.cast(v, "float32") - m)) for v, m in zip(self.tracked, self.means))
        return self.weight * seen * distance

    def __call__(self, gan, real, fake, labels):
        penalty = self.penalty()
        count = ops.convert_to_tensor(self.count)
        for variable, mean in zip(self.tracked, self.means):
            value = ops.stop_gradient(ops.cast(variable, "float32"))
            mean.assign(mean + (value - mean) / (count + 1.0))
        self.count.assign(count + 1.0)
        return penalty
