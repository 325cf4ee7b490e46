"""Registering the recorder's step hook on each grad_fn node, as cheaply as torch allows.

`Node.register_hook` is C++, but it calls back into Python: `torch.autograd.Function._register_hook`
builds a `RemovableHandle` (a weakref and a class counter) for every hook, a third of the hook's cost
on a small training loop, where a node is made and hooked for every op of every iteration. The
recorder never removes its hooks, so it needs no handle: while the program runs, that function is
replaced by one that stores a `StepHook` in the node's hook dict without a handle, and calls the
original for every other hook (the program's own `register_hook` calls get their handles as before).

Feature-detected: the replacement is kept only if a hook registered through it on a tiny graph then
fires; otherwise (another torch version doing this differently) nothing is changed and hooks are
registered the ordinary way. `restore()` puts the original back.
"""
import functools
from collections import OrderedDict


class StepHook(functools.partial):
    """The recorder's hook on one node: Recorder._on_step with the node's record key."""

    __slots__ = ()


class _Key:
    """The dict key of the recorder's hook (never equal to a RemovableHandle's integer id)."""

    __slots__ = ()


_KEY = _Key()


class FastHooks:
    def __init__(self, torch):
        self.owner = None  # the class whose _register_hook was replaced, while it is
        self.original = None
        self.own = False  # the original was the class's own attribute (not inherited)
        function = getattr(getattr(torch, "autograd", None), "Function", None)
        original = getattr(function, "_register_hook", None) if function is not None else None
        if original is None or not callable(original):
            return

        def _register_hook(backward_hooks, hook, _original=original, _cls=StepHook, _dict=OrderedDict, _key=_KEY):
            if hook.__class__ is not _cls:
                return _original(backward_hooks, hook)
            if backward_hooks is None:
                backward_hooks = _dict()  # an OrderedDict, as torch makes: a later RemovableHandle weakrefs it
            backward_hooks[_key] = hook
            return backward_hooks, None

        try:
            self.own = "_register_hook" in function.__dict__
            self.original = function.__dict__.get("_register_hook")
            function._register_hook = staticmethod(_register_hook)
            self.owner = function
            if not self._works(torch):
                self.restore()
        except Exception:
            self.restore()

    def _works(self, torch):
        fired = []
        x = torch.ones(1, requires_grad=True)
        y = (x * 2).sum()
        y.grad_fn.register_hook(StepHook(lambda key, _inputs, _outputs: fired.append(key), 7))
        torch.autograd.backward([y])
        return fired == [7]

    def restore(self):
        if self.owner is not None:
            try:
                if self.own:
                    self.owner._register_hook = self.original  # the staticmethod object itself
                else:
                    del self.owner._register_hook  # inherited again
            except Exception:
                pass
            self.owner = None
