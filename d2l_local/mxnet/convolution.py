"""Cross-correlation and pooling written out as loops, as the chapter derives them."""
from mxnet import np

from ..shared import check_corr2d_shapes, check_pool2d_args


def corr2d(X, K):
    """Two-dimensional cross-correlation of the array X with the kernel K."""
    check_corr2d_shapes(X.shape, K.shape)
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), ctx=X.ctx)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def pool2d(X, pool_size, mode='max', stride=1):
    """Max or average pooling of the 2-D array X with a pool_size window moved by stride."""
    (h, w), (sh, sw) = check_pool2d_args(X.shape, pool_size, stride, mode)
    Y = np.zeros(((X.shape[0] - h) // sh + 1, (X.shape[1] - w) // sw + 1), ctx=X.ctx)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i * sh:i * sh + h, j * sw:j * sw + w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
