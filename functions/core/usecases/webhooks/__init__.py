"""Signed webhooks to the Standard Webhooks specification: endpoints, secrets, delivery.

docs/webhooks.md describes the behaviour; each module holds one part of it.
"""
