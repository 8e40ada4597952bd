"""The public API: the same names in both framework modules, and calls that work with the d2l package work here."""
import ast
import importlib.util
import inspect
import pathlib

import pytest

from d2l_local import mxnet as d2l_mxnet
from d2l_local import torch as d2l_torch

D2L_DIR = pathlib.Path(importlib.util.find_spec('d2l').origin).parent
# Same name, different kind of object, on purpose:
DIFFERENT_BY_DESIGN = {
    'LeNet': "d2l's LeNet(lr, num_classes) is a d2l.Classifier with its own trainer; ours is the "
             "plain network that train_ch5 trains, as in the chapter",
}


def test_both_framework_modules_export_the_same_names():
    assert sorted(d2l_torch.__all__) == sorted(d2l_mxnet.__all__)
    for module in (d2l_torch, d2l_mxnet):
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert not missing, f'{module.__name__} lists names it does not define: {missing}'


@pytest.mark.parametrize('name', sorted(set(d2l_torch.__all__) - {'TrainResult'}))
def test_same_signature_in_both_frameworks(name):
    torch_object, mxnet_object = getattr(d2l_torch, name), getattr(d2l_mxnet, name)
    assert inspect.signature(torch_object) == inspect.signature(mxnet_object)


def d2l_signatures(framework):
    """Parameters of every top-level function and class constructor in the d2l package's module,
    read from its source (importing d2l.torch would need torchvision)."""
    tree = ast.parse((D2L_DIR / f'{framework}.py').read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            found[node.name] = node.args
        elif isinstance(node, ast.ClassDef):
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == '__init__'), None)
            if init is not None:
                found[node.name] = init.args
    return found


def compatible(ours, theirs, skip_self):
    """Every call valid for d2l's parameters is valid for ours: same leading names in order, and any
    parameter d2l makes optional is optional here too; our extra parameters must be optional."""
    their_names = [a.arg for a in theirs.posonlyargs + theirs.args][skip_self:]
    their_optional = set(their_names[len(their_names) - len(theirs.defaults):]) if theirs.defaults else set()
    params = [p for p in ours.parameters.values() if p.name != 'self']
    our_names = [p.name for p in params]
    problems = []
    if our_names[:len(their_names)] != their_names:
        problems.append(f'parameters {our_names} do not start with d2l\'s {their_names}')
    for p in params:
        if p.name in their_optional and p.default is inspect.Parameter.empty:
            problems.append(f'{p.name} is optional in d2l but required here')
        if p.name not in their_names and p.default is inspect.Parameter.empty:
            problems.append(f'{p.name} is required here but unknown to d2l')
    return problems


@pytest.mark.parametrize('module,framework', [(d2l_torch, 'torch'), (d2l_mxnet, 'mxnet')])
def test_signatures_compatible_with_the_d2l_package(module, framework):
    theirs = d2l_signatures(framework)
    shared_names = sorted(set(module.__all__) & set(theirs) - set(DIFFERENT_BY_DESIGN))
    assert {'train_ch6', 'evaluate_accuracy_gpu', 'load_data_fashion_mnist', 'corr2d', 'try_gpu',
            'Animator', 'Accumulator', 'plot', 'show_images'} <= set(shared_names)
    problems = {}
    for name in shared_names:
        obj = getattr(module, name)
        found = compatible(inspect.signature(obj.__init__ if inspect.isclass(obj) else obj),
                           theirs[name], skip_self=1 if inspect.isclass(obj) else 0)
        if found:
            problems[name] = found
    assert not problems
