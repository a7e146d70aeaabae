"""Operators' tools: liveness and readiness probes, Prometheus metrics, request ids in the logs."""
