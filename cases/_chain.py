"""The chapter's composed function shared by examples 5, 6 and 7, and its SymPy oracle.

f(u, v) = (u + v)², u = (a + b)², v = (a - b)², a = (w + x + y + z)²,
b = (w + x - y - z)², at the chapter's point (w, x, y, z) = (-1, 0, -2, 1).
"""

from types import SimpleNamespace

from cases.base import describe_points, floats, mp_eval, random_points, sym_grad

POINT = (-1.0, 0.0, -2.0, 1.0)
LOW, HIGH = -1.0, 1.0


def points(seed):
    return random_points(seed, k=5, n=4, low=LOW, high=HIGH)


def describe(seed):
    return {"function": "f = (u+v)^2, u = (a+b)^2, v = (a-b)^2, a = (w+x+y+z)^2, "
                        "b = (w+x-y-z)^2", "point": list(POINT),
            "random": describe_points(seed, points(seed), LOW, HIGH)}


def forward(w, x, y, z):
    """The chapter's forward pass, in its own words."""
    a, b = (w + x + y + z)**2, (w + x - y - z)**2
    u, v = (a + b)**2, (a - b)**2
    f = (u + v)**2
    return a, b, u, v, f


def single_step_partials(w, x, y, z):
    """The chapter's forward pass and its single-step partials (both its cells compute them)."""
    a, b, u, v, f = forward(w, x, y, z)
    return SimpleNamespace(
        f=f, df_du=2*(u + v), df_dv=2*(u + v),
        du_da=2*(a + b), du_db=2*(a + b), dv_da=2*(a - b), dv_db=-2*(a - b),
        da_dw=2*(w + x + y + z), db_dw=2*(w + x - y - z),
        da_dx=2*(w + x + y + z), db_dx=2*(w + x - y - z),
        da_dy=2*(w + x + y + z), db_dy=-2*(w + x - y - z),
        da_dz=2*(w + x + y + z), db_dz=-2*(w + x - y - z))


def sympy_model():
    """(symbols, f, gradient, df/da, df/db) as SymPy expressions in w, x, y, z."""
    import sympy as sp
    w, x, y, z, a_, b_ = sp.symbols("w x y z a b", real=True)
    syms = (w, x, y, z)
    a, b = (w + x + y + z)**2, (w + x - y - z)**2
    f = ((a + b)**2 + (a - b)**2)**2
    f_ab = ((a_ + b_)**2 + (a_ - b_)**2)**2
    at = {a_: a, b_: b}
    return syms, f, sym_grad(f, syms), sp.diff(f_ab, a_).subs(at), sp.diff(f_ab, b_).subs(at)


def reference_at_point():
    import sympy as sp
    syms, f, grad, df_da, df_db = sympy_model()
    at = dict(zip(syms, (sp.Integer(int(v)) for v in POINT)))
    return {"f": floats(f.subs(at)), "grad": floats(grad.subs(at)),
            "df_da": floats(df_da.subs(at)), "df_db": floats(df_db.subs(at))}


def reference_at(points_):
    syms, f, grad, _, _ = sympy_model()
    return mp_eval(f, syms, points_), mp_eval(grad, syms, points_)
