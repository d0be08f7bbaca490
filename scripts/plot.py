#!/usr/bin/python3
"""Draws the paper's Figure 2 and Figure 4 style charts from aisim reports.

    /usr/bin/python3 scripts/plot.py REPORT.json [REPORT.json ...] -o results/figures

Writes into the output directory:
  fig2_gpu_utilization.png          accelerator utilization per model, one bar per policy set
  fig4_gpu_utilization_over_time.png utilization per util window over the measured window,
                                     one line per (model, policy set)

Each input is either a merged experiment report ({"kind": "experiment", "points": [...],
"table3": [...]}) or a single-simulation report (the report.json of one run); several inputs
are drawn together. A single report's policy set is labelled "<scheduler>+<memory>" from its
config, its model from jobs[0].model. The measured job is jobs[0]; its device is the one drawn.

Needs only Debian's python3-matplotlib. A report without a key the figures need is an error
naming the file and the key (exit 2).
"""

import argparse
import json
import os
import sys

EXIT_BAD_INPUT = 2


class ReportError(Exception):
    pass


def need(value, pointer, source, *keys):
    """value[keys[0]][keys[1]]...; a missing key raises ReportError naming its JSON pointer."""
    for key in keys:
        pointer = f"{pointer}/{key}"
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            raise ReportError(f"{source}: {pointer}: missing (needed for the figures)") from None
    return value


class Point:
    """One simulation: a model (job set) under a policy set, with its measured device."""

    def __init__(self, job_set, policy_set, report, pointer, source):
        self.job_set = job_set
        self.policy_set = policy_set
        jobs = need(report, pointer, source, "jobs")
        if not jobs:
            raise ReportError(f"{source}: {pointer}/jobs: empty (needed for the figures)")
        device_name = need(report, pointer, source, "jobs", 0, "device")
        devices = need(report, pointer, source, "devices")
        for i, device in enumerate(devices):
            if device.get("name") == device_name:
                self.device = device
                self.device_pointer = f"{pointer}/devices/{i}"
                break
        else:
            raise ReportError(f"{source}: {pointer}/devices: no device named \"{device_name}\" "
                              f"(jobs/0/device)")
        self.device_name = device_name
        self.source = source
        self.utilization_pct = float(need(self.device, self.device_pointer, source,
                                          "utilization_pct"))
        # Read here, so that a bad input fails before any figure is written.
        s = need(self.device, self.device_pointer, source, "utilization_series")
        window_s = float(need(s, f"{self.device_pointer}/utilization_series", source, "window_s"))
        values = need(s, f"{self.device_pointer}/utilization_series", source, "values_pct")
        # Each window drawn at its middle, in seconds from the start of the measured window.
        self.series_s = [window_s * (k + 0.5) for k in range(len(values))]
        self.series_pct = [float(v) for v in values]


def single_report_point(report, source):
    scheduler = need(report, "", source, "config", "policies", "scheduler")
    memory = need(report, "", source, "config", "policies", "memory")
    model = need(report, "", source, "jobs", 0, "model")
    return Point(model, f"{scheduler}+{memory}", report, "", source)


def load(paths):
    """Returns (points, table3 rows) from every input."""
    points, table3 = [], []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                report = json.load(f)
        except OSError as e:
            raise ReportError(f"{path}: cannot read: {e.strerror}") from None
        except json.JSONDecodeError as e:
            raise ReportError(f"{path}: not JSON: {e.msg} at line {e.lineno}") from None
        if not isinstance(report, dict):
            raise ReportError(f"{path}: expected a JSON object")
        if report.get("kind") == "experiment":
            for i, p in enumerate(need(report, "", path, "points")):
                pointer = f"/points/{i}"
                points.append(Point(str(need(p, pointer, path, "job_set")),
                                    str(need(p, pointer, path, "policy_set")),
                                    need(p, pointer, path, "report"), f"{pointer}/report", path))
            for i, row in enumerate(report.get("table3") or []):
                table3.append((row, f"/table3/{i}", path))
        else:
            points.append(single_report_point(report, path))
    if not points:
        raise ReportError(f"{', '.join(paths)}: no simulations to draw")
    return points, table3


def ordered(values):
    """Distinct values in first-seen order."""
    seen = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen


def figure2(points, table3, out_path, plt):
    # Table 3 rows, when the input has them, are the experiment's own summary; otherwise the
    # points' device utilization. Paper figures, where given, are drawn as markers.
    bars = {}  # (model, policy set) -> (aisim %, paper % or None)
    if table3:
        for row, pointer, source in table3:
            model = str(need(row, pointer, source, "model"))
            policy = str(need(row, pointer, source, "policy_set"))
            value = float(need(row, pointer, source, "gpu_utilization_pct"))
            paper = row.get("paper") or {}
            bars[(model, policy)] = (value, paper.get("gpu_utilization_pct"))
    else:
        for p in points:
            bars[(p.job_set, p.policy_set)] = (p.utilization_pct, None)
    models = ordered(m for m, _ in bars)
    policies = ordered(s for _, s in bars)
    width = min(0.8 / len(policies), 0.35)  # a lone bar stays a bar, not a wall
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 * len(models) * len(policies) / 2 + 3), 4.2))
    paper_drawn = False
    for k, policy in enumerate(policies):
        xs, ys, paper_xs, paper_ys = [], [], [], []
        for i, model in enumerate(models):
            if (model, policy) not in bars:
                continue
            value, paper = bars[(model, policy)]
            x = i + width * (k - (len(policies) - 1) / 2)
            xs.append(x)
            ys.append(value)
            if paper is not None:
                paper_xs.append(x)
                paper_ys.append(float(paper))
        drawn = ax.bar(xs, ys, width * 0.95, label=policy)
        ax.bar_label(drawn, fmt="%.1f", fontsize=8, padding=2)
        if paper_xs:
            ax.scatter(paper_xs, paper_ys, marker="_", s=400, color="black", zorder=3,
                       label=None if paper_drawn else "paper")
            paper_drawn = True
    ax.set_xticks(range(len(models)), models)
    ax.set_xlim(-0.6, len(models) - 0.4)
    ax.set_ylabel("GPU utilization (%)")
    ax.set_ylim(0, 110)
    ax.set_title("GPU utilization per model (measured window)")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_path, dpi=120)
    plt.close(fig)


def figure4(points, out_path, plt):
    fig, ax = plt.subplots(figsize=(8, 4.2))
    drawn = 0
    for p in points:
        xs, ys = p.series_s, p.series_pct
        if not ys:
            continue
        ax.plot(xs, ys, marker="." if len(ys) < 40 else None, linewidth=1.2,
                label=f"{p.job_set} / {p.policy_set} ({p.device_name})")
        drawn += 1
    if drawn == 0:
        raise ReportError("no utilization series to draw: every measured window is shorter than "
                          "one util_window (raise run.iterations or lower run.util_window)")
    ax.set_xlabel("time since the measured window started (s)")
    ax.set_ylabel("GPU utilization per window (%)")
    ax.set_ylim(0, 105)
    ax.set_title("GPU utilization over time")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_path, dpi=120)
    plt.close(fig)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="+", help="report.json files (merged or single)")
    parser.add_argument("-o", "--output-dir", default="results/figures",
                        help="directory for the PNG files (default: results/figures)")
    args = parser.parse_args(argv)
    try:
        points, table3 = load(args.reports)
        import matplotlib
        matplotlib.use("Agg")  # no display needed
        import matplotlib.pyplot as plt
        os.makedirs(args.output_dir, exist_ok=True)
        fig2 = os.path.join(args.output_dir, "fig2_gpu_utilization.png")
        fig4 = os.path.join(args.output_dir, "fig4_gpu_utilization_over_time.png")
        figure2(points, table3, fig2, plt)
        figure4(points, fig4, plt)
    except ReportError as e:
        print(f"plot.py: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"written: {fig2}\n         {fig4}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
