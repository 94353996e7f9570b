"""The README's claims about imports, the compile cache, determinism, several hosts and
`PyDataset(use_multiprocessing=True)`, each checked as the README states it."""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import strata

SRC = os.path.join(os.path.dirname(__file__), os.pardir, "src")


def run_python(code, **env):
    """Run `code` in a fresh interpreter (imports and XLA flags are per process); its last
    stdout line, parsed as JSON."""
    environment = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    environment["PYTHONPATH"] = os.pathsep.join([SRC, environment.get("PYTHONPATH", "")])
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


LAZY_IMPORT = """
import json, sys
import strata
after_import = sorted(m for m in sys.modules if m.split(".")[0] in ("strata", "jax", "numpy"))
import numpy as np
model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(1)])
model.compile("sgd", "mse")
model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
print(json.dumps({"after_import": after_import, "after_fit": sorted(sys.modules)}))
"""


def test_import_strata_imports_nothing_and_training_loads_only_what_it_uses():
    modules = run_python(LAZY_IMPORT)
    assert modules["after_import"] == ["strata"]
    loaded = set(modules["after_fit"])
    assert {"strata.layers.core.dense", "strata.engine.trainer"} <= loaded
    unused = {
        "h5py",
        "matplotlib",
        "keras",
        "pandas",
        "tensorboardX",
        "strata.layers.conv",
        "strata.layers.rnn",
        "strata.layers.attention",
        "strata.layers.preprocessing",
        "strata.saving.serialization",
        "strata.saving.h5_weights",
        "strata.datasets",
    }
    assert not unused & loaded


CACHE = """
import json
import jax, jax.numpy as jnp
import strata
folder = strata.config.compilation_cache_dir()
jax.jit(lambda x: jnp.sin(x) * 3)(jnp.ones(7)).block_until_ready()
print(json.dumps({"folder": folder}))
"""


def test_compiled_programs_are_cached_in_the_default_folder(tmp_path):
    folder = run_python(CACHE, XDG_CACHE_HOME=str(tmp_path), STRATA_COMPILATION_CACHE="1")
    expected = tmp_path / "strata" / "xla"
    assert folder == {"folder": str(expected)}
    assert os.listdir(expected), "a compiled program was written to the cache"


def test_strata_compilation_cache_names_the_folder_or_turns_the_cache_off(tmp_path):
    chosen = tmp_path / "mine"
    assert run_python(CACHE, STRATA_COMPILATION_CACHE=str(chosen)) == {"folder": str(chosen)}
    assert os.listdir(chosen)
    home = tmp_path / "home"
    off = run_python(CACHE, STRATA_COMPILATION_CACHE="0", XDG_CACHE_HOME=str(home))
    assert off == {"folder": None}
    assert not home.exists()


DETERMINISTIC = """
import json, os
import strata
strata.config.enable_deterministic(seed=1)
strata.config.enable_deterministic(seed=1)
print(json.dumps(os.environ["XLA_FLAGS"]))
"""


def test_enable_deterministic_asks_xla_for_deterministic_gpu_kernels_once():
    flags = run_python(DETERMINISTIC, XLA_FLAGS="--xla_dump_to=/dev/null")
    assert flags == "--xla_dump_to=/dev/null --xla_gpu_deterministic_ops=true"


def test_enable_deterministic_warns_when_the_gpu_backend_already_started(monkeypatch):
    class Gpu:
        platform = "gpu"

    monkeypatch.setenv("XLA_FLAGS", "")
    monkeypatch.setattr(strata.config, "_backend_started", lambda: True)
    monkeypatch.setattr(strata.config.jax, "devices", lambda: [Gpu()])
    with pytest.warns(RuntimeWarning, match=r"after JAX started its GPU backend"):
        strata.config.enable_deterministic(seed=0)
    assert os.environ["XLA_FLAGS"] == "--xla_gpu_deterministic_ops=true"


def test_enable_deterministic_is_silent_on_a_started_cpu_backend(monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "")
    strata.ops.zeros(1).block_until_ready()
    assert strata.config._backend_started()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        strata.config.enable_deterministic(seed=0)


INITIALIZE = """
import json
import jax
import strata
strata.distribution.initialize()
print(json.dumps([jax.distributed.is_initialized(), jax.process_count(), jax.process_index()]))
"""


def test_initialize_detects_a_slurm_job_from_its_environment():
    # One Slurm task on this host: JAX's Slurm detection finds the coordinator, count and rank.
    slurm = dict(
        SLURM_JOB_ID="1",
        SLURM_NTASKS="1",
        SLURM_PROCID="0",
        SLURM_LOCALID="0",
        SLURM_STEP_NODELIST="localhost",
    )
    assert run_python(INITIALIZE, **slurm) == [True, 1, 0]


def test_initialize_reads_strata_environment_variables(monkeypatch):
    calls = []
    monkeypatch.setattr(strata.distribution.initialize.__globals__["jax"].distributed,
                        "initialize", lambda **kwargs: calls.append(kwargs))  # fmt: skip
    monkeypatch.setenv("STRATA_DISTRIBUTION_JOB_ADDRESSES", "10.0.0.1:1234, 10.0.0.2:1234")
    monkeypatch.setenv("STRATA_DISTRIBUTION_NUM_PROCESSES", "2")
    monkeypatch.setenv("STRATA_DISTRIBUTION_PROCESS_ID", "1")
    strata.distribution.initialize(local_device_ids=[0])
    strata.distribution.initialize("h:9", num_processes=4, process_id=3)
    assert calls == [
        dict(coordinator_address="10.0.0.1:1234", num_processes=2, process_id=1,
             local_device_ids=[0]),
        dict(coordinator_address="h:9", num_processes=4, process_id=3),
    ]  # fmt: skip


MULTIPROCESSING = """
import json, os, sys
import numpy as np
import strata


class Loads(strata.utils.PyDataset):
    # Six batches; each load leaves a file named after the loading process.
    def __init__(self, folder, **kwargs):
        super().__init__(**kwargs)
        self.folder = folder

    def __len__(self):
        return 6

    def __getitem__(self, index):
        open(os.path.join(self.folder, f"{os.getpid()}-{index}"), "w").close()
        x = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3) + index
        return x, x.sum(axis=1, keepdims=True)


def fit(folder, **kwargs):
    os.mkdir(folder)
    strata.utils.set_random_seed(0)
    model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(1)])
    model.compile(strata.optimizers.SGD(0.01), "mse")
    history = model.fit(Loads(folder, workers=2, **kwargs), epochs=2, verbose=0)
    loaders = sorted({name.split("-")[0] for name in os.listdir(folder)})
    return [history.history["loss"], [w.tolist() for w in model.get_weights()], loaders]


if __name__ == "__main__":
    threads = fit(os.path.join(sys.argv[1], "threads"))
    processes = fit(os.path.join(sys.argv[1], "processes"), use_multiprocessing=True)
    print(json.dumps([threads, processes, str(os.getpid())]))
"""


def test_pydataset_with_multiprocessing_loads_in_other_processes_and_trains_the_same(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(MULTIPROCESSING)
    environment = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    environment["PYTHONPATH"] = SRC
    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )
    assert "os.fork() was called" not in done.stderr
    assert done.returncode == 0, done.stderr[-3000:]
    threads, processes, pid = json.loads(done.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(processes[0], threads[0], rtol=1e-6)
    for a, b in zip(processes[1], threads[1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert threads[2] == [pid]
    assert set(processes[2]) - {pid}  # the first batch is read in this process, to learn shapes
