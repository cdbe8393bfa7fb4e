"""The part of a context an expression of the fresh expression sets reads:
the keys its text names, and `__env` when it calls env(). Shared by
scripts/fresh_expr_cases*.py."""


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
