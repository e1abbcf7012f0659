"""The references against the chapter's own hand derivations, and wrong answers rejected.

No framework here: SymPy and NumPy only. Each test restates a closed form the
chapter writes down and checks it against the SymPy derivation the case's
reference uses, so a reference cannot drift from the mathematics unnoticed.
"""

import pytest

import cases

np = pytest.importorskip("numpy")
sp = pytest.importorskip("sympy")

from harness.common.tolerances import EXACT, NUMERICAL, TOLERANCES, compare

x, y = sp.symbols("x y", real=True)
LSE = sp.log(sp.exp(x) + sp.exp(y))


def same(a, b) -> bool:
    """a and b are the same expression (or matrix of expressions)."""
    diff = sp.simplify(sp.expand(a - b))
    return bool(diff.is_zero_matrix) if isinstance(diff, sp.MatrixBase) else diff == 0


def test_logsumexp_gradient_is_the_chapters_and_sums_to_one():
    chapter = [sp.exp(x) / (sp.exp(x) + sp.exp(y)), sp.exp(y) / (sp.exp(x) + sp.exp(y))]
    assert all(same(sp.diff(LSE, s), c) for s, c in zip((x, y), chapter))
    assert same(sum(chapter), 1)
    at = {x: 0, y: sp.log(2)}
    assert same(LSE.subs(at), sp.log(3))
    assert [sp.nsimplify(c.subs(at)) for c in chapter] == [sp.Rational(1, 3), sp.Rational(2, 3)]
    ref = cases.load("logsumexp_gradient_sum").reference()
    assert compare(ref["grad_sum"], np.ones(len(ref["grad_sum"])), TOLERANCES[("float64", EXACT)]).ok


def documented_orders():
    """The observed orders the taylor case's docstring promises, and their printed precision."""
    import re

    notes = cases.load("taylor_error_order").notes
    match = re.search(r"SymPy, to two decimals: ([\d., ]+?)\)", notes)
    assert match, "the docstring no longer states the observed orders"
    return [float(v) for v in match.group(1).split(",")], 0.005


def test_taylor_reference_shows_the_documented_orders():
    ref = cases.load("taylor_error_order").reference()
    orders, half_digit = documented_orders()
    assert np.all(np.abs(ref["observed_order"] - orders) <= half_digit), ref["observed_order"]
    assert np.all(np.diff(ref["taylor_remainder"]) < 0)


def test_steepest_descent_reference():
    ref = cases.load("steepest_descent").reference()
    assert np.all(np.diff(ref["gd_loss"]) < 0)
    assert ref["steepest_is_lowest"] == 1 and ref["gd_always_decreases"] == 1
    assert np.all(ref["directional_derivatives"] > ref["steepest_slope"])


def test_critical_points_are_the_chapters():
    f = 3 * x**4 - 4 * x**3 - 12 * x**2
    assert same(sp.diff(f, x), 12 * x * (x - 2) * (x + 1))
    ref = cases.load("critical_points").reference()
    chapter_x, chapter_f = [-1, 0, 2], [-5, 0, -32]
    assert ref["critical_x"].tolist() == chapter_x and ref["critical_f"].tolist() == chapter_f
    assert ref["global_min_x"] == 2 and ref["grid_argmin_x"] == 2
    assert ref["critical_d2f_sign"].tolist() == [1, -1, 1]
    assert ref["x"].shape == (500,)


def test_chain_rule_expansion_is_the_chapters():
    w, xx, yy, z = sp.symbols("w x y z", real=True)
    p, m = w + xx + yy + z, w + xx - yy - z
    f = ((p**2 + m**2)**2 + (p**2 - m**2)**2)**2
    chapter_df_dw = 2 * (2 * (2 * p - 2 * m) * (p**2 - m**2)
                         + 2 * (2 * m + 2 * p) * (m**2 + p**2)) * ((p**2 - m**2)**2
                                                                   + (m**2 + p**2)**2)
    assert same(sp.diff(f, w), chapter_df_dw)
    refs = [cases.load(i).reference() for i in
            ("chain_rule_forward", "backpropagation_by_hand", "autograd_partials")]
    assert refs[0]["df_dw"] == refs[1]["df_dw"] == refs[2]["df_dw"]
    assert refs[0]["f"] == refs[1]["f"] == float(f.subs({w: -1, xx: 0, yy: -2, z: 1}))


def test_quadratic_hessian_is_the_chapters():
    a, b1, b2, c11, c12, c22 = sp.symbols("a b1 b2 c11 c12 c22", real=True)
    f = a + b1 * x + b2 * y + c11 * x**2 + c12 * x * y + c22 * y**2
    H = sp.hessian(f, (x, y))
    assert H == sp.Matrix([[2 * c11, c12], [c12, 2 * c22]])
    v = sp.Matrix([x, y])
    g0 = sp.Matrix([sp.diff(f, s) for s in (x, y)]).subs({x: 0, y: 0})
    assert same(f.subs({x: 0, y: 0}) + (g0.T * v)[0] + (v.T * H * v)[0] / 2, f)


def test_quadratic_approximation_is_the_text_and_mxnet_tab():
    from cases.quadratic_approximation import quadratic_expression
    (qx, qy), F, Q = quadratic_expression()
    e = sp.exp(-qx**2 - qy**2)
    assert same(sp.Matrix([sp.diff(F, s) for s in (qx, qy)]),
                e * sp.Matrix([1 - 2 * qx**2, -2 * qx * qy]))
    chapter_h = e * sp.Matrix([[4 * qx**3 - 6 * qx, 4 * qx**2 * qy - 2 * qy],
                               [4 * qx**2 * qy - 2 * qy, 4 * qx * qy**2 - 2 * qx]])
    assert sp.simplify(sp.hessian(F, (qx, qy)) - chapter_h) == sp.zeros(2, 2)
    assert same(Q, sp.exp(-1) * (-1 - (qx + 1) + (qx + 1)**2 + qy**2))


def test_a_wrong_mixed_term_in_the_quadratic_is_rejected():
    """Off the axes the mixed term counts: half of it, or none, is a disagreement."""
    from cases.quadratic_approximation import OFF_AXIS, STEPS, quadratic_expression
    (qx, qy), F, _ = quadratic_expression()
    at = {qx: sp.Rational(OFF_AXIS[0]), qy: sp.Rational(OFF_AXIS[1])}
    h = [[float(v) for v in row] for row in sp.hessian(F, (qx, qy)).subs(at).tolist()]
    g = [float(sp.diff(F, s).subs(at)) for s in (qx, qy)]
    assert g[1] != 0 and h[0][1] != 0 and all(dx * dy != 0 for dx, dy in STEPS)
    ref = cases.load("quadratic_approximation").reference()["quadratic_off_axis"]
    dx, dy = np.array(STEPS).T
    value = float(F.subs(at))
    for mixed in (0.0, 1.0, 4.0):  # weights of h_xy dx dy: the right one is 2
        wrong = value + g[0] * dx + g[1] * dy + 0.5 * (
            h[0][0] * dx**2 + mixed * h[0][1] * dx * dy + h[1][1] * dy**2)
        assert not compare(wrong, ref, TOLERANCES[("float32", NUMERICAL)]).ok, mixed
    right = value + g[0] * dx + g[1] * dy + 0.5 * (
        h[0][0] * dx**2 + 2 * h[0][1] * dx * dy + h[1][1] * dy**2)
    assert compare(right, ref, TOLERANCES[("float64", EXACT)]).ok


def test_random_points_are_float32_numbers():
    """Both dtypes start from the same inputs: every random point is a float32 number."""
    np32 = np.float32
    seen = 0
    for case in cases.load_all():
        points = case.inputs.get("random", {}).get("points")
        if points is None:
            continue
        flat = np.asarray(points, dtype=np.float64).reshape(-1)
        assert np.array_equal(flat.astype(np32).astype(np.float64), flat), case.id
        assert len(set(flat.tolist())) == flat.size  # real draws, not a constant
        seen += 1
    assert seen, "no case declares random points: this test lost its point"


def test_chapters_pytorch_tab_quadratic_is_rejected():
    """The PyTorch/TensorFlow tabs double the quadratic terms: the reference must catch it."""
    ref = cases.load("quadratic_approximation").reference()
    gx, gy = ref["grid_x"], ref["grid_y"]
    mxnet_tab = np.exp(-1) * (-1 - (gx + 1) + (gx + 1)**2 + gy**2)
    pytorch_tab = np.exp(-1) * (-1 - (gx + 1) + 2 * (gx + 1)**2 + 2 * gy**2)
    assert compare(mxnet_tab, ref["quadratic_grid"], TOLERANCES[("float64", EXACT)]).ok
    loosest = TOLERANCES[("float32", NUMERICAL)]
    result = compare(pytorch_tab, ref["quadratic_grid"], loosest)
    assert not result.ok and result.max_abs > 1


def test_wrong_reference_value_is_rejected():
    """One element off by more than the float32 tolerance is a disagreement."""
    ref = cases.load("first_order_approximation").reference()
    wrong = ref["grad0"].copy()
    wrong[1] *= 1 + 1e-3
    assert not compare(wrong, ref["grad0"], TOLERANCES[("float32", EXACT)]).ok


def test_matrix_calculus_closed_forms_agree_with_sympy():
    n, m, r = 2, 3, 2
    xs = sp.Matrix(sp.symbols(f"x0:{n}", real=True))
    beta = sp.Matrix(sp.symbols(f"b0:{n}", real=True))
    A = sp.Matrix(n, n, sp.symbols(f"a0:{n * n}", real=True))
    X = sp.Matrix(n, m, sp.symbols(f"X0:{n * m}", real=True))
    U = sp.Matrix(n, r, sp.symbols(f"U0:{n * r}", real=True))
    V = sp.Matrix(r, m, sp.symbols(f"V0:{r * m}", real=True))

    def d(expr, var):
        return var.applyfunc(lambda v: sp.diff(expr, v))

    assert d((beta.T * xs)[0], xs) == beta == d((xs.T * beta)[0], xs)
    assert sp.expand(d((xs.T * A * xs)[0], xs) - (A + A.T) * xs) == sp.zeros(n, 1)
    residual = sum(e**2 for e in X - U * V)
    assert sp.expand(d(residual, V) + 2 * U.T * (X - U * V)) == sp.zeros(r, m)


def test_norm_gradient_is_v_over_norm():
    vs = sp.Matrix(sp.symbols("v0:3", real=True))
    norm = sp.sqrt(sum(v**2 for v in vs))
    assert sp.simplify(vs.applyfunc(lambda v: sp.diff(norm, v)) - vs / norm) == sp.zeros(3, 1)


def test_saddle_has_one_critical_point_and_zero_hessian():
    f = x**2 * y + x * y**2
    grad = [sp.diff(f, s) for s in (x, y)]
    assert sp.solve(grad, [x, y], dict=True) == [{x: 0, y: 0}]
    assert sp.hessian(f, (x, y)).subs({x: 0, y: 0}) == sp.zeros(2, 2)
    assert sp.expand(f.subs(y, x)) == 2 * x**3
    ref = cases.load("saddle_critical_point").reference()
    assert ref["is_extremum"] == 0
