#!/usr/bin/python3
"""Writes tests/data/bad/corpus/: malformed configs and traces, each with the error lines aisim
must print for it (manifest.json). Every case states by hand which JSON pointer(s) the errors name;
tests/bad_corpus_test.cpp runs aisim on each and checks exit code 2, one line per expected problem,
each naming the file and its pointer, and that nothing was written.

Run from the repository root: /usr/bin/python3 scripts/make_bad_corpus.py
"""
import copy
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "tests", "data")
OUT = os.path.join(DATA, "bad", "corpus")

with open(os.path.join(DATA, "minimal.json")) as f:
    BASE = json.load(f)
BASE["jobs"][0]["trace"] = "../../chain_trace.json"
with open(os.path.join(DATA, "chain_trace.json")) as f:
    TRACE = json.load(f)
TRACE["tensors"] = [
    {"id": 0, "name": "x", "role": "input", "shape": [4, 16]},
    {"id": 1, "name": "y", "role": "activation", "shape": [4, 16]},
]
TRACE["ops"][0]["inputs"] = [0]
TRACE["ops"][0]["outputs"] = [1]
TRACE["ops"][1]["inputs"] = [1]

manifest = {}


def emit(name, content, expected, kind="config"):
    """content: a dict (dumped as JSON) or a str/bytes written as is.
    expected: list of (file_kind, pointer_fragment) per error line; file_kind "config" or "trace"."""
    fname = f"{len(manifest):03d}_{name}.json"
    target = fname if kind == "config" else "trace_" + fname
    mode = "wb" if isinstance(content, bytes) else "w"
    with open(os.path.join(OUT, target), mode) as f:
        f.write(content if isinstance(content, (str, bytes)) else json.dumps(content, indent=1))
    if kind == "trace":
        cfg = copy.deepcopy(BASE)
        cfg["jobs"][0]["trace"] = target
        with open(os.path.join(OUT, fname), "w") as f:
            json.dump(cfg, f, indent=1)
    manifest[fname] = [{"file": fname if k == "config" else target, "pointer": p} for k, p in expected]


def cfg(mutate):
    c = copy.deepcopy(BASE)
    mutate(c)
    return c


def trace(mutate):
    t = copy.deepcopy(TRACE)
    mutate(t)
    return t


def setter(path, value):
    def mutate(c):
        node = c
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return mutate


def deleter(path):
    def mutate(c):
        node = c
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return mutate


def pointer(path):
    return "/" + "/".join(str(p) for p in path)


# --- malformed JSON: truncations, empty file, garbage, not an object ---
text = json.dumps(BASE, indent=1)
for i, cut in enumerate([1, 40, 200, 400, 700, 1000, len(text) // 2, len(text) - 2]):
    emit(f"truncated_{i}", text[:cut], [("config", "malformed JSON at line")])
emit("empty", "", [("config", "malformed JSON at line 1")])
rng = random.Random(20261128)
for i in range(3):
    emit(f"garbage_{i}", bytes(rng.randrange(256) for _ in range(200)), [("config", "malformed JSON")])
for name, doc in [("top_array", []), ("top_string", "config"), ("top_number", 3)]:
    emit(name, json.dumps(doc), [("config", "/: expected an object")])

# --- wrong types of whole sections ---
for key, value in [("devices", {}), ("links", "pcie"), ("jobs", 3), ("policies", []), ("run", "fast")]:
    emit(f"section_{key}_type", cfg(setter([key], value)), [("config", f"/{key}: expected an")])

# --- bad quantities on the accelerator (one problem each) ---
gpu = ["devices", 1]
for i, value in enumerate(["-5", "0 TFLOPS", "NaN TFLOPS", "inf TFLOPS", "1e400 TFLOPS", "312 TB/s",
                           True, None, [], "312TFLOPS extra", "TFLOPS"]):
    emit(f"peak_flops_{i}", cfg(setter(gpu + ["peak_flops"], value)), [("config", pointer(gpu + ["peak_flops"]))])
emit("peak_flops_unknown_precision", cfg(setter(gpu + ["peak_flops"], {"fp8": "1 PFLOPS"})),
     [("config", pointer(gpu + ["peak_flops", "fp8"]))])
emit("peak_flops_empty_object", cfg(setter(gpu + ["peak_flops"], {})), [("config", pointer(gpu + ["peak_flops"]))])
for key, value in [("memory_capacity", "-1 GB"), ("memory_capacity", "80 parsecs"), ("memory_capacity", ""),
                   ("memory_capacity", "80"), ("memory_capacity", 0), ("memory_bandwidth", "-2 TB/s"),
                   ("memory_bandwidth", "2 TB"), ("idle_power", "-50 W"), ("busy_power", "0 W"),
                   ("launch_latency", "-5 us"), ("kernel_overhead", "1 GB"), ("malloc_latency", "soon"),
                   ("free_latency", -1), ("compute_efficiency", 0), ("compute_efficiency", 1.5),
                   ("memory_efficiency", -0.1), ("memory_efficiency", "0.8"), ("kind", "fpga"), ("kind", 3),
                   ("name", ""), ("name", 7), ("cores", 0)]:
    emit(f"gpu_{key}_{len(manifest)}", cfg(setter(gpu + [key], value)), [("config", pointer(gpu + [key]))])
emit("busy_below_idle", cfg(setter(gpu + ["busy_power"], "10 W")), [("config", pointer(gpu + ["busy_power"]))])
host = ["devices", 0]
for value in [0, -1, 1.5, "40", 10**9]:
    emit(f"host_cores_{len(manifest)}", cfg(setter(host + ["cores"], value)), [("config", pointer(host + ["cores"]))])
emit("host_context_switch", cfg(setter(host + ["context_switch"], "-2 us")), [("config", pointer(host + ["context_switch"]))])

# --- unknown keys, at every level ---
for path, key in [([], "device"), (host, "core"), (["links", 0], "bandwith"), (["jobs", 0], "batchsize"),
                  (["policies"], "schedular"), (["run"], "warmup")]:
    def add_key(c, path=path, key=key):
        node = c
        for p in path:
            node = node[p]
        node[key] = 1
    emit(f"unknown_key_{key}", cfg(add_key), [("config", pointer(path + [key]))])

# --- missing required keys ---
for path in [["devices"], ["links"], ["jobs"], ["policies"], host + ["name"], gpu + ["kind"],
             gpu + ["peak_flops"], gpu + ["memory_capacity"], gpu + ["idle_power"], ["links", 0, "bandwidth"],
             ["links", 0, "latency"], ["jobs", 0, "device"], ["jobs", 0, "iterations"], ["jobs", 0, "dataset_size"],
             ["policies", "scheduler"], ["policies", "memory"]]:
    emit("missing_" + "_".join(str(p) for p in path), cfg(deleter(path)), [("config", pointer(path))])

# --- structure and cross-references ---
emit("devices_empty", cfg(setter(["devices"], [])), [("config", "/devices")])
emit("jobs_empty", cfg(setter(["jobs"], [])), [("config", "/jobs")])
emit("duplicate_device", cfg(lambda c: c["devices"].append(copy.deepcopy(c["devices"][1]))),
     [("config", "/devices/2/name")])
emit("duplicate_link", cfg(lambda c: c["links"].append(copy.deepcopy(c["links"][0]))), [("config", "/links/1/name")])
emit("no_host", cfg(setter(host + ["kind"], "gpu")), [("config", "/devices")])
emit("two_hosts", cfg(setter(gpu + ["kind"], "cpu")), [("config", "/devices"), ("config", "/jobs/0/device")])
for i, value in enumerate([["host"], ["host", "gpu0", "gpu0"], ["gpu0", "gpu0"], [1, 2], "host"]):
    emit(f"endpoints_{i}", cfg(setter(["links", 0, "endpoints"], value)), [("config", "/links/0/endpoints")])
emit("endpoint_unknown", cfg(setter(["links", 0, "endpoints"], ["host", "tpu"])), [("config", "/links/0/endpoints/1")])
emit("no_link_to_host", cfg(setter(["links"], [])), [("config", "/jobs/0/device")])
job = ["jobs", 0]
for key, value in [("device", "tpu"), ("device", "host"), ("model", "resnet50"), ("batch_size", 0),
                   ("batch_size", -3), ("iterations", 0), ("iterations", 1), ("dataset_size", 0), ("precision", "fp8"),
                   ("framework_overhead", "-1 us"), ("name", 5)]:
    p = job + [key] if key != "model" else job
    emit(f"job_{key}_{len(manifest)}", cfg(setter(job + [key], value)), [("config", pointer(p))])
emit("job_neither_model_nor_trace", cfg(deleter(job + ["trace"])), [("config", pointer(job))])
emit("job_unknown_model", cfg(lambda c: (c["jobs"][0].pop("trace"), c["jobs"][0].update({"model": "vgg16", "batch_size": 2}))),
     [("config", pointer(job + ["model"]))])
emit("job_resnet_sequence", cfg(lambda c: (c["jobs"][0].pop("trace"), c["jobs"][0].update(
    {"model": "resnet50", "batch_size": 2, "sequence_length": 128}))), [("config", pointer(job + ["sequence_length"]))])
emit("job_bert_too_long", cfg(lambda c: (c["jobs"][0].pop("trace"), c["jobs"][0].update(
    {"model": "bert-base", "batch_size": 2, "sequence_length": 4096}))), [("config", pointer(job + ["sequence_length"]))])
emit("job_bad_distribution", cfg(lambda c: (c["jobs"][0].pop("trace"), c["jobs"][0].update(
    {"model": "gpt2", "batch_size": 2, "sequence_length": {"distribution": "zipf"}}))),
     [("config", pointer(job + ["sequence_length", "distribution"]))])
emit("job_max_below_min", cfg(lambda c: (c["jobs"][0].pop("trace"), c["jobs"][0].update(
    {"model": "gpt2", "batch_size": 2, "sequence_length": {"distribution": "uniform", "min": 64, "max": 32}}))),
     [("config", pointer(job + ["sequence_length", "max"]))])
emit("job_trace_missing_file", cfg(setter(job + ["trace"], "no_such_trace.json")),
     [("config", "/jobs/0/trace: cannot open trace file")])
emit("scheduler_unknown", cfg(setter(["policies", "scheduler"], "cfq")), [("config", "/policies/scheduler")])
emit("memory_unknown", cfg(setter(["policies", "memory"], "lru")), [("config", "/policies/memory")])
for key, value in [("seed", -1), ("warmup_iterations", "one"), ("util_window", "0 s"), ("output_dir", 5)]:
    emit(f"run_{key}", cfg(setter(["run", key], value)), [("config", f"/run/{key}")])
emit("extends_missing", cfg(setter(["extends"], "nowhere.json")), [("config", "/extends: cannot open base config")])
emit("extends_not_string", cfg(setter(["extends"], 3)), [("config", "/extends")])
emit("many_problems", cfg(lambda c: (setter(gpu + ["peak_flops"], "-1")(c), setter(["run", "seed"], -4)(c),
                                     setter(["policies", "memory"], "lru")(c))),
     [("config", "/devices/1/peak_flops"), ("config", "/run/seed"), ("config", "/policies/memory")])

# --- traces ---
ttext = json.dumps(TRACE, indent=1)
emit("trace_truncated", ttext[:300], [("trace", "malformed JSON at line")], kind="trace")
# A trace file's format is detected from its content first (aisim, Kineto, PyTorch ET, Chakra):
# content that is none of them says so, whatever else is wrong with it.
UNKNOWN_FORMAT = "cannot tell the trace format from the content"
emit("trace_empty", "", [("trace", UNKNOWN_FORMAT)], kind="trace")
emit("trace_cycle", trace(lambda t: t["ops"][0].update({"deps": [3]})), [("trace", "/ops: dependency cycle")], kind="trace")
emit("trace_unknown_dep", trace(lambda t: t["ops"][2].update({"deps": [42]})), [("trace", "/ops/2/deps/0")], kind="trace")
emit("trace_dangling_tensor", trace(lambda t: t["ops"][2].update({"inputs": [9]})), [("trace", "/ops/2/inputs/0")], kind="trace")
emit("trace_duplicate_op", trace(lambda t: t["ops"][3].update({"id": 0})), [("trace", "/ops/3/id")], kind="trace")
emit("trace_duplicate_tensor", trace(lambda t: t["tensors"].append({"id": 1, "shape": [2]})), [("trace", "/tensors/2/id")], kind="trace")
for key, value in [("kind", "convolution"), ("phase", "inference"), ("dtype", "fp8"), ("flops", -1),
                   ("flops", "1 GFLOP"), ("bytes_read", "-40 MB"), ("bytes_written", "NaN B"), ("bytes_read", "1 GB/s"),
                   ("id", -1), ("name", 3), ("deps", 1), ("inputs", {})]:
    emit(f"trace_op_{key}_{len(manifest)}", trace(setter(["ops", 1, key], value)), [("trace", f"/ops/1/{key}")], kind="trace")
emit("trace_op_missing_kind", trace(deleter(["ops", 2, "kind"])), [("trace", "/ops/2/kind")], kind="trace")
emit("trace_op_unknown_key", trace(setter(["ops", 2, "flop"], 3)), [("trace", "/ops/2/flop")], kind="trace")
emit("trace_shape_negative", trace(setter(["tensors", 1, "shape"], [4, -16])), [("trace", "/tensors/1/shape/1")], kind="trace")
emit("trace_shape_seq_without_length", trace(setter(["tensors", 1, "shape"], [4, "S"])), [("trace", "/tensors/1/shape/1")], kind="trace")
emit("trace_tensor_no_size", trace(lambda t: t["tensors"][1].pop("shape")), [("trace", "/tensors/1")], kind="trace")
emit("trace_tensor_role", trace(setter(["tensors", 1, "role"], "buffer")), [("trace", "/tensors/1/role")], kind="trace")
emit("trace_produced_twice", trace(lambda t: t["ops"][2].update({"outputs": [1]})), [("trace", "/ops/2/outputs/0")], kind="trace")
emit("trace_read_before_produced", trace(lambda t: t["ops"][0].update({"inputs": [1], "outputs": []})),
     [("trace", "/ops/0/inputs/0")], kind="trace")
emit("trace_version", trace(setter(["version"], 2)), [("trace", "/version")], kind="trace")
emit("trace_format", trace(setter(["format"], "chakra")), [("trace", UNKNOWN_FORMAT)], kind="trace")
emit("trace_no_metadata", trace(deleter(["metadata"])), [("trace", "/metadata")], kind="trace")
emit("trace_batch_zero", trace(setter(["metadata", "batch_size"], 0)), [("trace", "/metadata/batch_size")], kind="trace")
emit("trace_ops_empty", trace(setter(["ops"], [])), [("trace", "/ops")], kind="trace")
emit("trace_ops_not_array", trace(setter(["ops"], {})), [("trace", "/ops")], kind="trace")
emit("trace_op_not_object", trace(setter(["ops", 1], 7)), [("trace", "/ops/1")], kind="trace")
emit("trace_not_object", "[]", [("trace", UNKNOWN_FORMAT)], kind="trace")
emit("trace_garbage", bytes(rng.randrange(256) for _ in range(100)), [("trace", UNKNOWN_FORMAT)], kind="trace")

with open(os.path.join(OUT, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1, sort_keys=True)
print(f"{len(manifest)} cases written to {os.path.relpath(OUT)}")
