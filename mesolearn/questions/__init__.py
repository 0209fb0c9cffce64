"""Question types, one module each, behind one interface (:mod:`.base`); :mod:`.registry` lists them.

Importing this package loads :mod:`mesolearn.content.models` first: the models module defines the
shared question fields, then derives its ``Question`` union from the registry (see there).
"""

import mesolearn.content.models  # noqa: F401  (first: the type modules build on its QuestionBase)
