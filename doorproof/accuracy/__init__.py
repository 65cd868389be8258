"""Accuracy report: the engine against real phone recordings, beside a simple baseline.

``python -m doorproof.accuracy`` (``make accuracy``) reads the recordings in
``<repo>/../shared/data`` (or ``$DOORPROOF_DATA``, or ``--data``) and scores every set it
finds there, one module per set (``vertical``, ``steps``, …), registered in ``SETS`` of
``__main__``. Beside each figure stands the same figure for a deliberately simple baseline
computed in the same run, so a number means something; failures are listed, not hidden.

The tables go to stdout, progress to stderr, and the whole report to
``reports/accuracy.json``.
"""
