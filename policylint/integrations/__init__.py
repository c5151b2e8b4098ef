"""Adapters that run policylint inside other tools (cfn-lint)."""
