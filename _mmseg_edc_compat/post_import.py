"""Run a function right after a named module has been imported, in any process."""
import sys
import warnings


class _LoaderThenCallback:
    """Wraps a module's loader: executes the module, then hands it to ``callback``.

    Afterwards the module's ``__loader__`` and ``__spec__.loader`` are the original
    loader again, so the module looks exactly as if imported without the hook.
    """

    def __init__(self, loader, callback):
        self.loader = loader
        self.callback = callback

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        module.__loader__ = self.loader
        module.__spec__.loader = self.loader
        try:
            self.callback(module)
        except Exception as error:  # never break the import of someone else's module
            warnings.warn(f'{self.callback.__qualname__} failed after importing '
                          f'{module.__name__}: {error!r}', RuntimeWarning)


class PostImportHooks:
    """Meta-path finder, first on ``sys.meta_path``, that finds no module itself.

    For a registered module name it asks the other finders for the module's spec
    and wraps the spec's loader, so the module loads as usual and its callback then
    receives it. Other names cost one dictionary look-up.
    """

    def __init__(self):
        self.callbacks = {}
        self._searching = set()

    def register(self, module_name, callback):
        """Call ``callback(module)`` after ``module_name`` is next imported."""
        self.callbacks[module_name] = callback

    def find_spec(self, fullname, path=None, target=None):
        callback = self.callbacks.get(fullname)
        if callback is None or fullname in self._searching:
            return None
        self._searching.add(fullname)
        try:
            spec = self._spec_from_other_finders(fullname, path, target)
        finally:
            self._searching.discard(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _LoaderThenCallback(spec.loader, callback)
        return spec

    def _spec_from_other_finders(self, fullname, path, target):
        for finder in sys.meta_path:
            find_spec = getattr(finder, 'find_spec', None)
            if finder is self or find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is not None:
                return spec
        return None
