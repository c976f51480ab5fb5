"""LangChain integration for LM Studio."""
