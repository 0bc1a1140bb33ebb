"""Answering: a Plan and its evidence -> a cited Answer (deterministic composer, optional LLM rewriter)."""
