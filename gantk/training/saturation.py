"""The saturation alarm: a discriminator that has won outright, checked on each epoch's means.

When D separates real from generated data perfectly its sigmoid outputs pin at D(x) = 1 and
D(G(z)) = 0, and the generator's gradient vanishes (Goodfellow et al. 2014, section 3; Arjovsky
and Bottou 2017, "Towards principled methods for training GANs", section 2.2). Learning rates
far too large get there in a few steps, with losses that explode without becoming NaN.

The rule, on the means ``fit`` reports for an epoch (or a segment of one): warn when, for a
probability loss pair, the mean D(x) is above ``1 - PINNED`` and the mean D(G(z)) below
``PINNED`` (the outputs sat at the extremes for the whole stretch, since a mean can only be
that close to 0 or 1 when nearly every output is), or whenever a loss is beyond ``LOSS_BOUND``.
"""

import math
from dataclasses import dataclass

PINNED = 1e-3
LOSS_BOUND = 1e6
ALARM_PREFIX = "SATURATED?"


@dataclass(frozen=True)
class Verdict:
    saturated: bool
    reason: str = ""

    def message(self):
        return f"{ALARM_PREFIX} {self.reason}" if self.saturated else ""


def check_saturation(record, probability=True, pinned=PINNED, loss_bound=LOSS_BOUND):
    """Judge one epoch ``record`` holding the means ``d_loss``, ``g_loss``, ``d_real``, ``d_fake``."""
    def value(key):
        item = record.get(key)
        return float(item) if isinstance(item, (int, float)) and not isinstance(item, bool) else None

    for key in ("d_loss", "g_loss"):
        loss = value(key)
        if loss is not None and math.isfinite(loss) and abs(loss) > loss_bound:
            return Verdict(True, f"{key} {loss:.3g} is beyond {loss_bound:.0e}; lower the learning rates")
    real, fake = value("d_real"), value("d_fake")
    if probability and real is not None and fake is not None and real > 1 - pinned and fake < pinned:
        return Verdict(
            True, f"D(x) {real:.4f} and D(G(z)) {fake:.4f} pinned at 1 and 0 all epoch; D has won and G gets no gradient"
        )
    return Verdict(False)
