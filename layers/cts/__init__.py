"""Cargo Targeting System: the shared package every Lambda function ships with.

Layers point inward: ``domain`` is pure, ``ports`` declares what the services need from
the outside world, ``adapters`` implement those ports on AWS (or locally), and
``services`` are the use cases that handlers call.
"""

__version__ = "0.1.0"
