"""`from d2l import tensorflow as d2l`: plotting helpers and the book's tensor aliases (its
config.ini `[library-tensorflow]`), tensors converted with .numpy()."""

import tensorflow as tf

from d2l._common import flavour


def numpy_of(x):
    return x.numpy() if isinstance(x, (tf.Tensor, tf.Variable)) else x


globals().update(flavour("tensorflow", tf, numpy_of))
# the aliases whose TensorFlow name differs
tensor, arange, log, matmul, concat = tf.constant, tf.range, tf.math.log, tf.matmul, tf.concat
normal, rand, sigmoid = tf.random.normal, tf.random.uniform, tf.sigmoid
reshape, reduce_sum, reduce_mean, argmax = tf.reshape, tf.reduce_sum, tf.reduce_mean, tf.argmax
astype, transpose, expand_dims = tf.cast, tf.transpose, tf.expand_dims


def size(x):
    return tf.size(x).numpy()
