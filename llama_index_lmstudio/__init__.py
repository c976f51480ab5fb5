"""LlamaIndex integration for LM Studio."""
