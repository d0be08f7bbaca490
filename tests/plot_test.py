#!/usr/bin/python3
"""ctest figures.plot: scripts/plot.py draws both figures from a single report, from a merged
experiment report and from several reports, and names the missing key of an incomplete one.

    plot_test.py PLOT_PY REPORT_JSON OUT_DIR EXPERIMENT_JSON

REPORT_JSON is one simulation's report, EXPERIMENT_JSON a merged report of configs/a100_tpu.json.
"""

import copy
import json
import os
import shutil
import subprocess
import sys

PLOT, REPORT, OUT, REAL_EXPERIMENT = sys.argv[1:5]
FIGURES = ["fig2_gpu_utilization.png", "fig4_gpu_utilization_over_time.png"]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def plot(inputs, out):
    shutil.rmtree(out, ignore_errors=True)
    return subprocess.run([sys.executable, PLOT, *inputs, "-o", out], capture_output=True,
                          text=True)


def expect_figures(case, inputs):
    out = os.path.join(OUT, case)
    r = plot(inputs, out)
    check(r.returncode == 0, f"{case}: exit {r.returncode}: {r.stderr.strip()}")
    for name in FIGURES:
        path = os.path.join(out, name)
        ok = os.path.isfile(path) and open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
        check(ok, f"{case}: {name} is not a PNG")


def expect_error(case, inputs, fragment):
    out = os.path.join(OUT, case)
    r = plot(inputs, out)
    check(r.returncode == 2, f"{case}: expected exit 2, got {r.returncode}")
    check(fragment in r.stderr, f"{case}: stderr does not name {fragment!r}: {r.stderr.strip()}")
    check(not os.path.exists(out), f"{case}: wrote {out} although the input is bad")


def write(name, document):
    path = os.path.join(OUT, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document, f)
    return path


os.makedirs(OUT, exist_ok=True)
with open(REPORT, encoding="utf-8") as f:
    report = json.load(f)
check(report["devices"][1]["utilization_series"]["values_pct"], "the fixture has no series")

# Another policy set's run, told apart by its config (its figures need not differ here).
other = copy.deepcopy(report)
other["config"]["policies"] = {"scheduler": "accel-aware", "memory": "tensor-aware"}
other_path = write("other.json", other)

experiment = {
    "schema_version": 2,
    "kind": "experiment",
    "points": [
        {"job_set": "resnet50", "policy_set": "baseline", "report": report},
        {"job_set": "resnet50", "policy_set": "ai-aware", "report": other},
    ],
    "table3": [
        {"model": "resnet50", "policy_set": "baseline",
         "gpu_utilization_pct": report["devices"][1]["utilization_pct"],
         "paper": {"gpu_utilization_pct": 85}},
        {"model": "resnet50", "policy_set": "ai-aware",
         "gpu_utilization_pct": other["devices"][1]["utilization_pct"], "paper": None},
    ],
    "table4": [],
}
experiment_path = write("experiment.json", experiment)

expect_figures("single", [REPORT])
expect_figures("several", [REPORT, other_path])
expect_figures("experiment", [experiment_path])
expect_figures("real_experiment", [REAL_EXPERIMENT])

no_devices = copy.deepcopy(report)
del no_devices["devices"]
expect_error("no_devices", [write("no_devices.json", no_devices)], "/devices")
broken = copy.deepcopy(experiment)
del broken["points"][1]["report"]["devices"][1]["utilization_series"]
expect_error("no_series", [write("no_series.json", broken)],
             "/points/1/report/devices/1/utilization_series")
expect_error("missing_file", [os.path.join(OUT, "absent.json")], "cannot read")

sys.exit(1 if failures else 0)
