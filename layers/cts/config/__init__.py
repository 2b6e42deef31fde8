"""Configuration: the system's resource catalogue, per-function settings and country configs."""
