"""Example 5: the multivariate chain rule applied from inputs to output (forward order).

The chapter's first `#@tab all` cell of the backpropagation section: f and ∂f/∂w
of its composed f(u(a, b), v(a, b)) at (w, x, y, z) = (-1, 0, -2, 1), from the
single-step partials, keeping ∂w in the denominator (du/dw, dv/dw, then df/dw).
The section heading is where the code cell is; the function is introduced in
"Regra da Cadeia Multivariada". No automatic differentiation here: the same
arithmetic runs on each framework's arrays, and the reference is SymPy's ∂f/∂w of
the fully composed f. Also at seeded random points in [-1, 1]⁴.
"""

import numpy as np

from cases import _chain
from cases.base import Case

SEED = 105
POINTS = _chain.points(SEED)


def forward_mode(w, x, y, z):
    """The chapter's code: f, then df/dw from inputs to output."""
    s = _chain.single_step_partials(w, x, y, z)
    du_dw, dv_dw = s.du_da*s.da_dw + s.du_db*s.db_dw, s.dv_da*s.da_dw + s.dv_db*s.db_dw
    df_dw = s.df_du*du_dw + s.df_dv*dv_dw
    return s.f, df_dw


def compute(be, dtype):
    f, df_dw = forward_mode(*(be.asarray(v, dtype) for v in _chain.POINT))
    rows = [forward_mode(*(be.asarray(v, dtype) for v in p)) for p in POINTS]
    return {
        "f": be.to_numpy(f),
        "df_dw": be.to_numpy(df_dw),
        "random_f": np.stack([be.to_numpy(r[0]) for r in rows]),
        "random_df_dw": np.stack([be.to_numpy(r[1]) for r in rows]),
    }


def reference():
    at = _chain.reference_at_point()
    f, grad = _chain.reference_at(POINTS)
    return {"f": at["f"], "df_dw": at["grad"][0], "random_f": f,
            "random_df_dw": grad[:, 0].copy()}


CASE = Case(
    id="chain_rule_forward",
    title="Multivariate chain rule, inputs to output: f and df/dw from single-step partials",
    section="O Algoritmo de Retropropagação",
    chapter="sec_multivariable_calculus",
    section_number=5,
    order=5,
    outputs=("f", "df_dw", "random_f", "random_df_dw"),
    compute_fn=compute,
    reference_fn=reference,
    inputs=_chain.describe(SEED),
    chapter_variables={"f": "f", "df_dw": "df_dw"},
    notes=__doc__,
)
