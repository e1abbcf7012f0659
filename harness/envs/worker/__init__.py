"""Code run inside a backend environment by `harness envs --check`."""
