"""`initialize`: join several processes (hosts) into one JAX runtime."""

from __future__ import annotations

import os

import jax


def initialize(job_addresses=None, num_processes=None, process_id=None, **kwargs) -> None:
    """Call `jax.distributed.initialize` with Keras's arguments (or their environment variables).

    Args:
        job_addresses: ``"host:port"`` of the coordinator, or a comma-separated list whose first
            entry is the coordinator (env ``STRATA_DISTRIBUTION_JOB_ADDRESSES``).
        num_processes: number of processes (env ``STRATA_DISTRIBUTION_NUM_PROCESSES``).
        process_id: this process's rank (env ``STRATA_DISTRIBUTION_PROCESS_ID``).
        **kwargs: passed to `jax.distributed.initialize` (e.g. ``local_device_ids``).

    Call it before any other JAX work. On clusters JAX detects (Slurm, Open MPI, TPU pods) all
    arguments may be omitted.
    """
    env = os.environ
    job_addresses = job_addresses or env.get("STRATA_DISTRIBUTION_JOB_ADDRESSES")
    if num_processes is None and "STRATA_DISTRIBUTION_NUM_PROCESSES" in env:
        num_processes = int(env["STRATA_DISTRIBUTION_NUM_PROCESSES"])
    if process_id is None and "STRATA_DISTRIBUTION_PROCESS_ID" in env:
        process_id = int(env["STRATA_DISTRIBUTION_PROCESS_ID"])
    coordinator = job_addresses.split(",")[0].strip() if job_addresses else None
    jax.distributed.initialize(
        coordinator_address=coordinator,
        num_processes=num_processes,
        process_id=process_id,
        **kwargs,
    )
