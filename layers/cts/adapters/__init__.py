"""Adapters: the ports implemented on AWS services (and the embedded search engine for local runs).

Clients are created lazily, on first use, never at import time; SDK errors become domain errors.
"""
