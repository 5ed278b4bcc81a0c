"""``kbtool scan``: run the detectors of a knowledge base over a code tree and report hits.

Nothing is imported here: import the module you need, so start-up stays cheap.
"""
