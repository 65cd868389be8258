"""``python -m doorproof`` is the ``doorproof`` command."""

from doorproof.cli import main

raise SystemExit(main())
