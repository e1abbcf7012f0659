"""`harness bench` end to end: the real command in a subprocess, tiny settings.

No timing assertions: timings depend on the machine. What is checked is that the
figures exist, that adapter and native results are compared and the comparison
recorded, that a wrong adapter result is reported (exit 1), and that bad options
exit 2. The worker needs a backend environment; tests that need one skip when
none is built (`python -m harness envs --create jax`).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import REPO_ROOT, envs

OPS = ("primal", "grad", "hvp", "hessian")


def _ready(name: str) -> bool:
    try:
        return envs.status(name)["state"] == "ready"
    except envs.EnvError:
        return False


AUTODIFF = next((b for b in ("jax", "torch", "tensorflow", "mxnet") if _ready(b)), None)
needs_backend = pytest.mark.skipif(AUTODIFF is None, reason="no autodiff environment built")
TINY = ["--sizes", "10", "--dtypes", "float64", "--workloads", "x1_exp_norm2,quadratic_xAx",
        "--min-time", "0.001", "--repeats", "2"]


def bench(*args, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "harness", "bench", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    plots = [] if _ready("numpy") else ["--no-plots"]
    proc = bench("--backends", AUTODIFF, *TINY, *plots, "--out", str(out))
    return proc, out


@needs_backend
def test_tiny_run_writes_every_figure(tiny):
    proc, out = tiny
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "bench.json").read_text())
    assert report["format"] == "harness-bench/1"
    assert report["machine"]["cpu_count"] >= 1
    worker = report["backends"][AUTODIFF]
    assert worker["status"] == "ok"
    assert worker["maxrss_mb"] > 0
    assert worker["worker"]["version"] and worker["worker"]["native_methods"]
    assert "threads" in worker["worker"]
    seen = set()
    for m in report["measurements"]:
        assert m["status"] == "ok", m
        for field in ("first_call_s", "median_s", "min_s", "number", "repeats", "maxrss_mb"):
            assert m[field] > 0, (field, m)
        seen.add((m["workload"], m["op"], m["impl"]))
    for workload in ("x1_exp_norm2", "quadratic_xAx"):
        assert (workload, "primal", "native") in seen
        for op in OPS[1:]:
            assert {(workload, op, "native"), (workload, op, "adapter")} <= seen
    rows = {(r["workload"], r["n"]): r for r in report["rows"]}
    for key in (("x1_exp_norm2", 10), ("quadratic_xAx", 10)):
        row = rows[key]
        assert row["grad_overhead"] > 0 and row["hessian_overhead"] > 0
        assert row["grad_per_primal_adapter"] > 0 and row["hessian_per_n_grad_adapter"] > 0
        assert row["disagreements"] == []
    assert "adapter_overhead" in report["targets"]
    assert (out / "bench.md").read_text() in proc.stdout


@needs_backend
def test_every_derivative_is_checked_against_native_and_closed_form(tiny):
    _, out = tiny
    report = json.loads((out / "bench.json").read_text())
    checks = {(a["workload"], a["op"], a["check"]): a for a in report["agreements"]}
    native = set(report["backends"][AUTODIFF]["worker"]["native_methods"])
    assert set(OPS[1:]) <= native, native  # every op has a native idiom to check here
    for workload in ("x1_exp_norm2", "quadratic_xAx"):
        for op in OPS[1:]:
            for check in ("adapter_vs_native", "adapter_vs_closed_form"):
                assert checks[(workload, op, check)]["agree"] is True, (workload, op, check)
        # the native results are held to the closed form too, Hessians included (n = 10)
        for op in OPS:
            assert checks[(workload, op, "native_vs_closed_form")]["agree"] is True, (
                workload, op)
    assert all(a["agree"] for a in report["agreements"])


@needs_backend
def test_plots_are_png_files(tiny):
    _, out = tiny
    if not _ready("numpy"):
        pytest.skip("plots are drawn in the numpy environment, not built here")
    report = json.loads((out / "bench.json").read_text())
    assert report["plots"]["status"] == "ok", report["plots"]
    files = [Path(f) for f in report["plots"]["files"]]
    assert {f.name for f in files} == {f"time_vs_n_{AUTODIFF}.png", "grad_per_primal.png"}
    for f in files:
        assert f.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_backend
def test_a_wrong_adapter_result_is_reported_not_dropped(tmp_path):
    proc = bench("--backends", AUTODIFF, *TINY, "--workloads", "x1_exp_norm2", "--no-plots",
                 "--out", str(tmp_path), env={"HARNESS_BENCH_PERTURB": "grad"})
    assert proc.returncode == 1, proc.stderr[-3000:]
    report = json.loads((tmp_path / "bench.json").read_text())
    bad = [a for a in report["agreements"] if not a["agree"]]
    assert {(a["op"], a["check"]) for a in bad} == {("grad", "adapter_vs_native"),
                                                    ("grad", "adapter_vs_closed_form")}
    assert all(a["detail"] for a in bad)
    assert report["summary"]["disagreements"] == 2
    assert "Disagreements" in (tmp_path / "bench.md").read_text()


@pytest.mark.skipif(not _ready("torch"), reason="torch environment not built")
@pytest.mark.skipif(Path("/dev/nvidia0").exists(), reason="a GPU is present here")
def test_cuda_without_a_gpu_fails_clearly(tmp_path):
    proc = bench("--backends", "torch", "--device", "cuda", *TINY, "--no-plots",
                 "--out", str(tmp_path))
    assert proc.returncode == 1
    report = json.loads((tmp_path / "bench.json").read_text())
    status = report["backends"]["torch"]
    assert status["status"] == "unavailable"
    assert "CUDA" in status["message"]


@pytest.mark.parametrize("args", [
    ["--backends", "nosuch"],
    ["--dtypes", "float16"],
    ["--workloads", "nope"],
    ["--threads", "0"],
    ["--sizes", "ten"],
    ["--sizes", "0,10"],
    ["--min-time", "-1"],
    ["--repeats", "1.5"],
    ["--python", "torch"],
    ["--python", "torch=/nonexistent/python"],
    ["--python", "nosuch=/bin/sh"],
    ["--device", "tpu"],
    ["--device", "cuda", "--backends", "mxnet"],
])
def test_bad_options_exit_2(args, tmp_path):
    proc = bench(*args, "--out", str(tmp_path), timeout=60)
    assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
    assert "error" in proc.stderr
    assert not (tmp_path / "bench.json").exists()


@pytest.fixture
def plugin_env(faulty_dir):
    """Environment that knows the fault-injecting plug-in backend `faulty` (no faults)."""
    from faulty_backend import environment
    return environment(faulty_dir)


@pytest.mark.skipif(not _ready("numpy"), reason="a plug-in runs in the numpy environment")
def test_a_plug_in_backend_is_benchmarked_against_the_closed_forms(tmp_path, plugin_env):
    proc = subprocess.run([sys.executable, "-m", "harness", "bench", "--backends", "faulty",
                           *TINY, "--no-plots", "--out", str(tmp_path)], cwd=REPO_ROOT,
                          env=plugin_env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "bench.json").read_text())
    assert report["backends"]["faulty"]["status"] == "ok"
    assert report["backends"]["faulty"]["python"] == str(envs.env_python("numpy"))
    impls = {(m["op"], m["impl"]) for m in report["measurements"] if m["status"] == "ok"}
    assert {("primal", "native"), ("grad", "adapter"), ("hessian", "adapter")} <= impls
    checks = {(a["op"], a["check"]) for a in report["agreements"] if a["agree"]}
    assert ("grad", "adapter_vs_closed_form") in checks
    assert not [a for a in report["agreements"] if not a["agree"]]


@pytest.mark.skipif(not _ready("numpy"), reason="a plug-in runs in the numpy environment")
def test_a_bench_worker_past_its_timeout_keeps_what_it_measured(tmp_path, plugin_env):
    """--timeout ends the worker; every record it sent before is in bench.json."""
    env = {**plugin_env, "HARNESS_BENCH_PERTURB": "hang-hessian"}
    proc = subprocess.run([sys.executable, "-m", "harness", "bench", "--backends", "faulty",
                           *TINY, "--workloads", "x1_exp_norm2", "--timeout", "60",
                           "--no-plots", "--out", str(tmp_path)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stderr[-3000:]
    report = json.loads((tmp_path / "bench.json").read_text())
    status = report["backends"]["faulty"]
    assert status["status"] == "timeout" and "--timeout 60" in status["message"]
    ops = {m["op"] for m in report["measurements"]}
    assert {"primal", "grad", "hvp"} <= ops and "hessian" not in ops


@pytest.mark.skipif(not _ready("tensorflow"), reason="needs the tensorflow environment")
def test_timed_calls_run_compiled_after_the_eager_first_calls(tmp_path):
    """TensorFlow's adapter runs its first calls eagerly (be.eager_calls): bench must time
    the tf.function form, and say in bench.json what the first and the timed calls ran."""
    proc = bench("--backends", "tensorflow", *TINY, "--no-plots", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "bench.json").read_text())
    adapter = [m for m in report["measurements"]
               if m["impl"] == "adapter" and m["status"] == "ok"]
    assert {m["op"] for m in adapter} == {"grad", "hvp", "hessian"}
    for m in adapter:
        assert "tf.function" in m["timed_method"] and "eager" not in m["timed_method"], m
        assert "eager" in m["method"], m   # n = 10: the first calls ran eagerly


@needs_backend
def test_the_overhead_profile_splits_wrapper_and_implementation():
    """harness.bench.worker.overhead (BENCHMARKS.md's profile): one row per workload and n,
    with the native time and the two paired differences."""
    python = envs.env_python(AUTODIFF)
    proc = subprocess.run([str(python), "-m", "harness.bench.worker.overhead", AUTODIFF,
                           "10,20", "x1_exp_norm2"], cwd=REPO_ROOT, env=envs.worker_env(),
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line.split("|")[1:-1] for line in proc.stdout.splitlines()
            if line.startswith("| x1_exp_norm2")]
    assert [int(r[1]) for r in rows] == [10, 20]
    for _, _, native, wrapper, inner, paired in rows:
        assert native.strip().endswith("µs") and float(native.split()[0]) > 0
        assert wrapper.strip().endswith("µs") and inner.strip().endswith("µs")
        assert float(paired) > 0


@pytest.mark.skipif(not _ready("numpy"), reason="the numpy environment is not built")
def test_startup_bench_times_the_workers_and_a_run_and_gives_their_ratio(tmp_path):
    """`bench --startup`: each worker said hello (no failures), and the ratio is the
    run's wall time over the start-up's, from the samples it wrote."""
    proc = bench("--startup", "--backends", "numpy", "--repeats", "1", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "startup.json").read_text())
    assert report["format"] == "harness-bench-startup/1"
    startup, run = (next(s for s in report["samples"] if s["label"] == label)
                    for label in ("startup", "run"))
    assert startup["failures"] == {} and set(startup["workers"]) == {"numpy", "reference"}
    assert run["exit_status"] == 0
    ratio = report["summary"]["run"]["ratio_to_startup"]["median"]
    assert ratio == pytest.approx(run["wall_seconds"] / startup["wall_seconds"], abs=0.01)
    assert f"ratio {ratio:.2f}" in proc.stdout
