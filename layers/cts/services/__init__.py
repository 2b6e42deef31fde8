"""Use cases. Each takes its ports in the constructor; handlers build them in a composition root."""
