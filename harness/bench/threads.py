"""Thread caps for `harness bench --threads N`, set in a worker's environment before it
imports its framework (standard library only: the orchestrator builds the environment)."""


def thread_env(threads: int | None) -> dict:
    """Environment variables that cap every framework's thread pools (set before import)."""
    if not threads:
        return {}
    t = str(threads)
    env = {k: t for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                          "MXNET_CPU_WORKER_NTHREADS", "TF_NUM_INTRAOP_THREADS",
                          "TF_NUM_INTEROP_THREADS")}
    if threads == 1:
        env["XLA_FLAGS"] = ("--xla_cpu_multi_thread_eigen=false "
                            "intra_op_parallelism_threads=1")
    else:
        env["XLA_FLAGS"] = f"intra_op_parallelism_threads={threads}"
    return env
