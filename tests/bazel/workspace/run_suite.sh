#!/bin/sh
# The test Bazel runs: crossrun (its path comes in CROSSRUN, through
# --test_env) on the suite in the runfiles. Sharding, the report and the
# outputs are Bazel's protocol, which crossrun reads from the environment.
exec "$CROSSRUN" suite
