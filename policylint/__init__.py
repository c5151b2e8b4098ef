"""policylint: finds S3 buckets that feed human labeling without the CORS rule AWS requires."""
from __future__ import annotations

import os as _os

__version__ = "0.1.0"

# In a source checkout the built-in rules sit beside this package, in ``rules/``, and are
# installed as ``policylint.rules``. When the checkout's ``policylint/`` is imported instead of
# the installed package (``python -m policylint`` run from the checkout after ``pip install .``),
# let ``policylint.rules`` resolve to that ``rules/`` folder: the checkout root joins the
# package's search path, after the package's own folder (issue 12 item 10).
_here = _os.path.dirname(_os.path.abspath(__file__))
_root = _os.path.dirname(_here)
if not _os.path.isdir(_os.path.join(_here, "rules")) and _os.path.isfile(
        _os.path.join(_root, "rules", "__init__.py")):
    __path__.append(_root)
