"""Reading a run: summaries in words, and (later) explanations and comparisons."""
