"""Shared foundations: the exception tree, controlled vocabularies and small shared types.

``core`` imports no other gistreg package.
"""
