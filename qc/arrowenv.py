"""Keep pyarrow from importing pandas on runs that never use it.

The first time pyarrow converts any Python or NumPy object (`pa.array`, `pa.scalar`,
`pc.equal(x, "")`, ...) it imports pandas, only to learn whether the object might be a
pandas one. That import costs more than a whole `exoqc check` of a typical file. exoqc
never hands pyarrow a pandas object (the fallback reader passes Arrow arrays through
`__arrow_array__`), so before its first conversion, while pandas is not loaded yet, this
lets pyarrow's probe see "no pandas". Any pyarrow API that needs pandas (`to_pandas`,
`from_pandas`) still imports it on demand: pyarrow retries the import there. The probe
state lives in the private `pyarrow.lib._pandas_api`; if a pyarrow version lacks it, this
does nothing and the run only pays the import.
"""

from __future__ import annotations

import sys


def skip_pandas_probe() -> None:
    """Answer pyarrow's one-time "is pandas installed?" probe with no, if not asked yet."""
    if "pandas" in sys.modules:
        return
    import pyarrow.lib

    shim = getattr(pyarrow.lib, "_pandas_api", None)
    if shim is None:
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]  # makes `import pandas` fail
    try:
        shim.have_pandas  # noqa: B018  (the probe: records that pandas is absent)
    except Exception:
        pass
    finally:
        del sys.modules["pandas"]
