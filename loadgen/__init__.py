"""Load generation for hello-actuator: a locust subprocess driven by a stages file.

Nothing here imports locust (it monkey-patches the process with gevent); locust always runs as a child
process started by `python -m loadgen` (see loadgen/README.md).
"""
