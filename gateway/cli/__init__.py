"""The ``mailgate`` command: ``serve``, ``migrate`` and ``openapi`` run the gateway; ``accounts``,
``tokens``, ``send`` and ``tail`` manage a running one over its HTTP API."""

from .main import main

__all__ = ["main"]
