"""The detector kinds and what a detector of each kind assumes when its XML leaves it out.

Dependency-free: the render context reads the example paths without loading the detector
machinery (:mod:`kbtool.scan.detectors.spec`).
"""

from __future__ import annotations

KINDS = ("regex", "python-ast")
#: The files a detector reads when it has no ``<files>``.
DEFAULT_FILES = {"regex": ("**",), "python-ast": ("**/*.py",)}
#: The path of an ``<example>`` without one (a made-up name, never shown as a real file).
DEFAULT_EXAMPLE_PATH = {"regex": "example.txt", "python-ast": "example.py"}
