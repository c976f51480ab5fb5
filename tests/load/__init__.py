"""Load tests against the real llama.cpp server: bounded in count and time."""
