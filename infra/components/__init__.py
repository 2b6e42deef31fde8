"""Constructs of the CTS stack, one module per concern, each built from :data:`cts.config.resources.SYSTEM`."""
