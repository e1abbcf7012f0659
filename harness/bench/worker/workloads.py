"""The bench's workloads: the chapter's functions lifted to n dimensions.

Each is written once over any NumPy-like namespace `xp` (the adapter's and the native
idiom's alike) and carries its seeded data and closed-form derivatives, computed in
float64 NumPy: the oracle every measured result is checked against.
"""

import math

import numpy as np

LS_ROWS, LS_RANK = 32, 10   # ‖X - UV‖²: X is 32×p, U 32×10, V 10×p with n = 10p


def lse_f(xp):
    def logsumexp_Ax(x, A):
        return xp.log(xp.sum(xp.exp(xp.matmul(A, x))))
    return logsumexp_Ax


def x1exp_f(xp):
    def x1_exp_norm2(x):
        return x[0] * xp.exp(-xp.sum(x * x))
    return x1_exp_norm2


def quad_f(xp):
    def quadratic_xAx(x, A):
        return xp.sum(x * xp.matmul(A, x))
    return quadratic_xAx


def ls_f(xp):
    def least_squares_V(v, X, U):
        V = xp.reshape(v, (U.shape[1], X.shape[1]))
        R = X - xp.matmul(U, V)
        return xp.sum(R * R)
    return least_squares_V


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


class Workload:
    """Function, seeded data and closed-form derivatives (float64 NumPy oracle)."""

    matrix = False   # needs an n×n matrix (memory n² × 8 bytes)

    def data(self, rng, n, matrix):
        raise NotImplementedError


class LogSumExp(Workload):
    name, build, matrix = "logsumexp_Ax", staticmethod(lse_f), True

    def data(self, rng, n, matrix):
        return rng.standard_normal(n), (matrix,)

    def value(self, x, A):
        z = A @ x
        return z.max() + np.log(np.exp(z - z.max()).sum())

    def grad(self, x, A):
        return A.T @ _softmax(A @ x)

    def hessian(self, x, A):
        p = _softmax(A @ x)
        return A.T @ ((np.diag(p) - np.outer(p, p)) @ A)

    def hvp(self, x, v, A):
        p, av = _softmax(A @ x), A @ v
        return A.T @ (p * av - p * (p @ av))


class X1Exp(Workload):
    name, build = "x1_exp_norm2", staticmethod(x1exp_f)

    def data(self, rng, n, matrix):
        return rng.standard_normal(n) / math.sqrt(n), ()   # ‖x‖² ≈ 1: no underflow

    def value(self, x):
        return x[0] * np.exp(-x @ x)

    def grad(self, x):
        e1 = np.zeros_like(x)
        e1[0] = 1.0
        return np.exp(-x @ x) * (e1 - 2 * x[0] * x)

    def hessian(self, x):
        e1 = np.zeros_like(x)
        e1[0] = 1.0
        return np.exp(-x @ x) * (-2 * x[0] * np.eye(len(x)) - 2 * np.outer(e1, x)
                                 - 2 * np.outer(x, e1) + 4 * x[0] * np.outer(x, x))

    def hvp(self, x, v):
        e1 = np.zeros_like(x)
        e1[0] = 1.0
        xv = x @ v
        return np.exp(-x @ x) * (-2 * e1 * xv + 4 * x[0] * x * xv - 2 * x * v[0] - 2 * x[0] * v)


class Quadratic(Workload):
    name, build, matrix = "quadratic_xAx", staticmethod(quad_f), True

    def data(self, rng, n, matrix):
        return rng.standard_normal(n) / math.sqrt(n), (matrix,)

    def value(self, x, A):
        return x @ (A @ x)

    def grad(self, x, A):
        return A @ x + A.T @ x

    def hessian(self, x, A):
        return A + A.T

    def hvp(self, x, v, A):
        return A @ v + A.T @ v


class LeastSquares(Workload):
    name, build = "least_squares_V", staticmethod(ls_f)

    def data(self, rng, n, matrix):
        k = LS_RANK if n % LS_RANK == 0 else 1
        U = rng.standard_normal((LS_ROWS, k))
        X = rng.standard_normal((LS_ROWS, n // k))
        return rng.standard_normal(n) / math.sqrt(k), (X, U)

    def value(self, v, X, U):
        R = X - U @ v.reshape(U.shape[1], X.shape[1])
        return (R * R).sum()

    def grad(self, v, X, U):
        R = X - U @ v.reshape(U.shape[1], X.shape[1])
        return (-2 * U.T @ R).ravel()

    def hessian(self, v, X, U):
        return np.kron(2 * U.T @ U, np.eye(X.shape[1]))

    def hvp(self, v, w, X, U):
        return (2 * U.T @ U @ w.reshape(U.shape[1], X.shape[1])).ravel()


WORKLOADS = {w.name: w for w in (LogSumExp(), X1Exp(), Quadratic(), LeastSquares())}
