"""A folder for ``cfn-lint --append-rules DIR``: cfn-lint imports every ``*.py`` file here whose
name does not start with ``_`` (so not this one) and registers the rule classes it finds."""
