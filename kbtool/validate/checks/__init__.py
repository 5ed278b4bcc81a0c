"""Validation plug-ins: every module here is imported by the engine (see ``kbtool.validate``)."""
