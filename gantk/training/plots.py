"""Pictures of a run drawn with matplotlib's Agg canvas (no pyplot, so a notebook's backend is untouched)."""


from gantk.files import atomic_path

PANELS = (
    ("Losses (lines: windows of steps; dots: epoch means)", (("d_loss", "D loss"), ("g_loss", "G loss"))),
    ("Discriminator outputs", (("d_real", "D(x)"), ("d_fake", "D(G(z))"))),
)


def figure(width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def by_step(records):
    """Records keyed by step, the last one winning (a resumed run may repeat steps)."""
    return [record for _, record in sorted({record["step"]: record for record in records}.items())]


def loss_curve(history, steps, path):
    """Plot losses, D outputs and (when recorded) the diversity ratio against the step; write a PNG.

    ``steps`` are the per-window records of ``steps.jsonl`` (lines), ``history`` the per-epoch
    records of ``history.jsonl`` (dots). Returns ``path``.
    """
    history, steps = by_step(history), by_step(steps)
    diversity = [record for record in history if "diversity" in record]
    panels = list(PANELS) + ([("Diversity (collapse alarm)", ())] if diversity else [])
    fig = figure(7, 2.4 * len(panels))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for axis, (title, series) in zip(axes, panels):
        for key, label in series:
            line = None
            points = [(r["step"], r[key]) for r in steps if key in r]
            if points:
                (line,) = axis.plot(*zip(*points), linewidth=0.9, label=label)
            epochs = [(r["step"], r[key]) for r in history if key in r]
            if epochs:
                color = line.get_color() if line else None
                axis.plot(*zip(*epochs), "o", markersize=3, color=color, label=None if line else label)
        axis.set_title(title, fontsize=9)
        axis.grid(alpha=0.3)
    if diversity:
        axis = axes[-1]
        axis.plot([r["step"] for r in diversity], [r["diversity"] for r in diversity], "o-", markersize=3, label="samples / real")
        alarms = [r for r in diversity if r.get("collapse")]
        if alarms:
            axis.plot([r["step"] for r in alarms], [r["diversity"] for r in alarms], "rx", markersize=8, label="alarm")
        axis.set_ylim(bottom=0)
    for axis in axes:
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize=8, loc="best")
    axes[-1].set_xlabel("generator step")
    fig.tight_layout()
    with atomic_path(path) as temporary:
        fig.savefig(temporary, format="png")
    return path

