"""The part of a context an expression of the fresh expression sets reads:
the keys its text names, and `__env` when it calls env(). Shared by
scripts/fresh_expr_cases*.py, with the reading of their expression files."""
import os


def ctx_for(expr, ctx):
    """The entries of `ctx` that `expr` names."""
    out = {}
    for k, v in ctx.items():
        if k == '__env':
            if 'env(' in expr:
                out[k] = v
        elif k in expr:
            out[k] = v
    return out


def reader(folder):
    """Reads a file of expressions (one a line; a template may span lines)
    from `folder` beside these scripts."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), folder)

    def read(name):
        with open(os.path.join(here, name), encoding='utf-8') as f:
            return f.read()
    return read
