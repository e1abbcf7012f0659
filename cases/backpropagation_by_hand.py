"""Example 6: backpropagation by hand, keeping ∂f in the numerator (output to inputs).

The chapter's second `#@tab all` cell of the backpropagation section: one
backward sweep gives ∂f/∂a and ∂f/∂b and from them all four partials ∂f/∂w,
∂f/∂x, ∂f/∂y, ∂f/∂z at (-1, 0, -2, 1). Plain arithmetic on each framework's
arrays, no autodiff; the reference is SymPy's gradient of the composed f (and
its ∂f/∂a, ∂f/∂b with u, v written out). Also at seeded random points in [-1, 1]⁴.
"""

import numpy as np

from cases import _chain
from cases.base import Case

SEED = 106
POINTS = _chain.points(SEED)


def backward(w, x, y, z):
    """The chapter's code: single-step partials forward, then f's partials backward."""
    s = _chain.single_step_partials(w, x, y, z)
    df_da, df_db = s.df_du*s.du_da + s.df_dv*s.dv_da, s.df_du*s.du_db + s.df_dv*s.dv_db
    df_dw, df_dx = df_da*s.da_dw + df_db*s.db_dw, df_da*s.da_dx + df_db*s.db_dx
    df_dy, df_dz = df_da*s.da_dy + df_db*s.db_dy, df_da*s.da_dz + df_db*s.db_dz
    return {"f": s.f, "df_da": df_da, "df_db": df_db, "df_dw": df_dw, "df_dx": df_dx,
            "df_dy": df_dy, "df_dz": df_dz}


PARTIALS = ("df_dw", "df_dx", "df_dy", "df_dz")


def compute(be, dtype):
    out = {k: be.to_numpy(v)
           for k, v in backward(*(be.asarray(v, dtype) for v in _chain.POINT)).items()}
    rows = [backward(*(be.asarray(v, dtype) for v in p)) for p in POINTS]
    out["random_grad"] = np.stack([np.stack([be.to_numpy(r[k]) for k in PARTIALS])
                                   for r in rows])
    return out


def reference():
    at = _chain.reference_at_point()
    _, grad = _chain.reference_at(POINTS)
    out = {"f": at["f"], "df_da": at["df_da"], "df_db": at["df_db"], "random_grad": grad}
    out.update({k: at["grad"][i] for i, k in enumerate(PARTIALS)})
    return out


CASE = Case(
    id="backpropagation_by_hand",
    title="Backpropagation by hand: df/dw, df/dx, df/dy, df/dz from output to inputs",
    section="O Algoritmo de Retropropagação",
    chapter="sec_multivariable_calculus",
    section_number=5,
    order=6,
    outputs=("f", "df_da", "df_db", *PARTIALS, "random_grad"),
    compute_fn=compute,
    reference_fn=reference,
    inputs=_chain.describe(SEED),
    chapter_variables={k: k for k in ("f", "df_da", "df_db", *PARTIALS)},
    notes=__doc__,
)
