"""A dataset's summary: where the examples came from, how many, how they were made, their classes.

Each source puts its own facts on ``ImageData.summary``; ``describe`` completes them with what every
``ImageData`` knows, and ``summary_lines`` words them for the log printed when training starts.
"""

import os

from gantk.files import write_text_atomically

VALUE_RANGE = "uint8 0..255 on disk, scaled to float32 -1..1 for training (the generator's tanh range)"


def preprocessing(crop=None, size=None, channels=None, **extra):
    """The preprocessing facts of an image source: ``crop`` a square side or ``"largest centre square"``."""
    if isinstance(crop, int):
        crop = f"centre {crop}x{crop}"
    facts = {"crop": crop or "largest centre square", "resize": f"{size}x{size}" if size else None, "channels": channels,
             "value_range": VALUE_RANGE}
    facts.update(extra)
    return facts


def describe(data):
    """The summary of ``data`` as a JSON-ready dict."""
    summary = dict(data.summary or {"source": "unknown"})
    summary.setdefault("name", data.name)
    summary["num_examples"] = int(data.num_examples)
    summary["kind"] = data.kind
    summary["element_shape"] = list(data.element_shape)
    summary["classes"] = list(data.label_names) if data.label_names else None
    return summary


def summary_lines(summary):
    """Lines for the log: the source, the examples and the preprocessing, the classes."""
    source = summary.get("source")
    if source == "folder":
        streamed = summary.get("decoded_as_read")
        origin = (
            f"folder {summary['path']}: {summary['read']} images read, {summary['skipped']} skipped"
            + (f" ({summary['skipped_reasons']}; list in {summary['skipped_report']})" if summary.get("skipped") else "")
            + (f"; {streamed} JPEGs passed the header check and are decoded as training reads them" if streamed else "")
        )
    elif source == "tensorflow-datasets":
        origin = (
            f"tensorflow-datasets {summary['name']} {summary.get('version')}, split {summary.get('split')}, "
            f"from {summary.get('data_dir')}"
        )
    else:
        origin = f"{source} {summary.get('name')}" + (f" ({summary['origin']})" if summary.get("origin") else "")
    lines = [f"Data: {origin}", f"  {summary['num_examples']} examples of shape {tuple(summary['element_shape'])}"]
    if summary.get("labeled"):
        lines.append(f"  {summary['labeled']}")
    steps = summary.get("preprocessing")
    if steps:
        lines.append("  preprocessing: " + ", ".join(f"{key} {value}" for key, value in steps.items() if value is not None))
    classes = summary.get("classes")
    if classes:
        shown = ", ".join(map(str, classes[:12])) + (f", ... ({len(classes)} in all)" if len(classes) > 12 else "")
        lines.append(f"  classes: {shown}")
    else:
        lines.append("  classes: none (unlabelled)")
    return lines


DATA_SUMMARY = "data.json"


def save_summary(run_dir, summary):
    """Write ``data.json`` (the summary) and, when files were skipped, their complete list, one per line."""
    import json

    from gantk.data.folder import SKIPPED_REPORT

    write_text_atomically(os.path.join(run_dir, DATA_SUMMARY), json.dumps(summary, indent=2) + "\n")
    skipped = summary.get("skipped_files")
    if skipped:
        lines = "".join(f"{item['path']}\t{item['reason']}\n" for item in skipped)
        write_text_atomically(os.path.join(run_dir, SKIPPED_REPORT), lines)
