"""Fault-injection tests: a raw-socket server on loopback breaks the conversation on purpose."""
