"""The corpus layer: read articles from anywhere, analyse them in parallel, keep them in a store."""
