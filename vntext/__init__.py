"""Pure Vietnamese text functions: normalization and folding, day-first dates, view counts,
official document references. A leaf package: it imports nothing else of portalwatch, and
everything else may import it (tests/test_structure.py holds it to that)."""
