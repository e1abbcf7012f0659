"""`from d2l import tensorflow as d2l`: plotting helpers and the book's tensor aliases (its
config.ini `[library-tensorflow]`), tensors converted with .numpy()."""

import tensorflow as tf

from d2l._common import (
    download,
    download_extract,
    make_plot,
    missing,
    plt,
    set_axes,
    set_figsize,
    use_svg_display,
)


def numpy_of(x):
    return x.numpy() if isinstance(x, (tf.Tensor, tf.Variable)) else x


plot = make_plot(numpy_of)

ones, zeros, tensor, arange, meshgrid = tf.ones, tf.zeros, tf.constant, tf.range, tf.meshgrid
sin, sinh, cos, cosh, tanh = tf.sin, tf.sinh, tf.cos, tf.cosh, tf.tanh
linspace, exp, log, normal, rand = tf.linspace, tf.exp, tf.math.log, tf.random.normal, \
    tf.random.uniform
matmul, concat, stack, abs, eye = tf.matmul, tf.concat, tf.stack, tf.abs, tf.eye
int32, int64, float32, float64 = tf.int32, tf.int64, tf.float32, tf.float64
ones_like, zeros_like, sigmoid = tf.ones_like, tf.zeros_like, tf.sigmoid
reshape, reduce_sum, reduce_mean, argmax = tf.reshape, tf.reduce_sum, tf.reduce_mean, tf.argmax
astype, transpose, expand_dims = tf.cast, tf.transpose, tf.expand_dims
numpy = numpy_of


def size(x):
    return tf.size(x).numpy()


__getattr__ = missing("tensorflow")
_ = (download, download_extract, plt, set_axes, set_figsize, use_svg_display)
