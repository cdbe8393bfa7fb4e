//! The YAQL evaluator: walks a parsed [`Expr`] over [`V`] values with yaql's
//! context rules (`$` is the current value, lambdas rebind `$`/`$1..`, `let`
//! and `def` make child contexts) and the operator semantics. Every step
//! spends fuel; built values are size-checked; recursion is depth-checked.

use std::rc::Rc;

use indexmap::IndexMap;

use super::parser::{Arg, BinOp, Expr, UnOp};
use super::value::{DictKind, Key, V, py_eq};
use crate::expr::{ErrorKind, Host, Limits};

/// A failure inside YAQL evaluation.
#[derive(Debug, Clone)]
pub struct YErr {
    pub kind: ErrorKind,
    pub msg: String,
}

pub type R<T> = Result<T, YErr>;

pub fn err<T>(kind: ErrorKind, msg: impl Into<String>) -> R<T> {
    Err(YErr {
        kind,
        msg: msg.into(),
    })
}

pub fn no_func<T>(name: &str) -> R<T> {
    err(
        ErrorKind::NoMatchingFunction,
        format!("No function \"{name}\" matches supplied arguments"),
    )
}

/// One context level: variables (`$1`, `$name`) and `def` functions.
pub struct Scope<'a> {
    pub parent: Option<usize>,
    pub vars: Vec<(String, V)>,
    pub funcs: Vec<(String, &'a Expr, usize)>,
}

/// A sort key: the selector, its scope, descending.
pub type SortSpec<'a> = (PArg<'a>, usize, bool);

/// An `orderBy` result kept for `thenBy`: (result, source, keys).
pub type Ordering<'a> = (Rc<Vec<V>>, Rc<Vec<V>>, Vec<SortSpec<'a>>);

/// One positional argument: already a value (the receiver), or an
/// expression evaluated on demand (as a value or as a lambda).
#[derive(Clone)]
pub enum PArg<'a> {
    Val(V),
    Expr(&'a Expr),
    Missing,
}

/// The arguments of one call.
pub struct Args<'a> {
    pub pos: Vec<PArg<'a>>,
    pub named: Vec<(String, &'a Expr)>,
    pub sc: usize,
    pub method: bool,
    /// The arguments as written (for `switch`, whose keys are conditions).
    pub raw: &'a [Arg],
}

/// A dict view: its items as computed, its Python class name, its dict.
pub struct View {
    pub items: Rc<Vec<V>>,
    pub kind: &'static str,
    pub dict: V,
}

pub struct Interp<'a> {
    /// Results of `orderBy` (result, source, key specs) for `thenBy`.
    pub orderings: Vec<Ordering<'a>>,
    /// Results of a dict's `keys()`, `values()`, `items()` (views: the
    /// values view has no `len()`; `str()` names the view and its dict).
    pub views: Vec<View>,
    /// Lazy results and the Python objects yaql makes them with (`select`
    /// a `map`, `where` a `filter`), as error messages name a receiver.
    pub origins: Vec<(Rc<Vec<V>>, &'static str)>,
    /// Results that are Python lists where yaql's data are tuples
    /// (`split()`): their index errors say `list`.
    pub py_lists: Vec<Rc<Vec<V>>>,
    pub scopes: Vec<Scope<'a>>,
    pub fuel: u64,
    pub limits: &'a Limits,
    pub depth: usize,
    pub host: Option<&'a dyn Host>,
    pub env: V,
}

impl<'a> Interp<'a> {
    pub fn new(limits: &'a Limits, root: V, env: V, host: Option<&'a dyn Host>) -> Self {
        let root_scope = Scope {
            parent: None,
            vars: vec![("1".into(), root)],
            funcs: vec![],
        };
        Interp {
            orderings: Vec::new(),
            views: Vec::new(),
            origins: Vec::new(),
            py_lists: Vec::new(),
            scopes: vec![root_scope],
            fuel: limits.fuel,
            limits,
            depth: 0,
            host,
            env,
        }
    }

    /// True for a lazy value that is iterable without being an iterator
    /// (an `orderBy` ordering, a dict's values view).
    pub fn not_iterator(&self, v: &Rc<Vec<V>>) -> bool {
        self.orderings.iter().any(|o| Rc::ptr_eq(&o.0, v))
            || self
                .views
                .iter()
                .any(|w| matches!(w.kind, "ValuesView" | "dict_values") && Rc::ptr_eq(&w.items, v))
    }

    /// `v`, noted as made by the Python object `repr` names.
    pub fn tagged(&mut self, v: V, repr: &'static str) -> V {
        if let V::Iter(p) = &v {
            self.origins.push((p.clone(), repr));
        }
        v
    }

    /// `v`, noted as a Python list.
    pub fn py_list(&mut self, v: V) -> V {
        if let V::List(p) = &v {
            self.py_lists.push(p.clone());
        }
        v
    }

    /// Notes every list inside `v` as a Python list.
    pub fn note_py_lists(&mut self, v: &V) {
        match v {
            V::List(items) => {
                self.py_list(v.clone());
                for x in items.iter() {
                    self.note_py_lists(x);
                }
            }
            V::Dict(d, _) => {
                for x in d.values() {
                    self.note_py_lists(x);
                }
            }
            _ => {}
        }
    }

    /// Whether `v` was noted as a Python list.
    pub fn is_py_list(&self, v: &V) -> bool {
        matches!(v, V::List(p) if self.py_lists.iter().any(|q| Rc::ptr_eq(p, q)))
    }

    /// How Python shows the lazy object `v` is, where that is not its
    /// items: an ordering, a values view, a map or filter object.
    pub fn lazy_repr(&self, v: &V) -> Option<String> {
        // a dict's keys and items views (sets here) show their dict
        let view = match v {
            V::Set(p, _) | V::Iter(p) => self.views.iter().find(|w| Rc::ptr_eq(&w.items, p)),
            _ => None,
        };
        if let Some(w) = view
            && w.kind.starts_with("dict_")
        {
            let items: Vec<String> = w
                .items
                .iter()
                .map(|x| super::value::repr(x, super::value::Style::Yaql))
                .collect();
            return Some(format!("{}([{}])", w.kind, items.join(", ")));
        }
        if let V::Set(p, _) = v
            && let Some(w) = self.views.iter().find(|w| Rc::ptr_eq(&w.items, p))
        {
            return Some(format!(
                "{}({})",
                w.kind,
                super::value::py_str(&w.dict, super::value::Style::Yaql)
            ));
        }
        let V::Iter(p) = v else { return None };
        if self.orderings.iter().any(|o| Rc::ptr_eq(&o.0, p)) {
            return Some("<yaql.standard_library.queries.OrderingIterable object at 0x...>".into());
        }
        if let Some(w) = self
            .views
            .iter()
            .find(|w| w.kind == "ValuesView" && Rc::ptr_eq(&w.items, p))
        {
            return Some(format!(
                "ValuesView({})",
                super::value::py_str(&w.dict, super::value::Style::Yaql)
            ));
        }
        self.origins
            .iter()
            .rev()
            .find(|(q, _)| Rc::ptr_eq(q, p))
            .map(|(_, r)| (*r).to_string())
    }

    /// The dict view `v` is, if it is one.
    pub fn view_of(&self, v: &V) -> Option<&View> {
        let (V::Iter(p) | V::Set(p, _)) = v else {
            return None;
        };
        self.views.iter().find(|w| Rc::ptr_eq(&w.items, p))
    }

    /// Spends `n` steps of fuel.
    pub fn spend(&mut self, n: u64) -> R<()> {
        if self.fuel < n {
            self.fuel = 0;
            return err(
                ErrorKind::Limit,
                format!("evaluation step limit exceeded (fuel {})", self.limits.fuel),
            );
        }
        self.fuel -= n;
        Ok(())
    }

    /// Checks the size of a built collection or string.
    pub fn check_size(&self, n: usize) -> R<()> {
        if n > self.limits.max_size {
            return err(
                ErrorKind::Limit,
                format!(
                    "size limit exceeded: {n} > max_size {}",
                    self.limits.max_size
                ),
            );
        }
        Ok(())
    }

    pub fn child(&mut self, parent: usize) -> R<usize> {
        self.spend(1)?;
        if self.scopes.len() > self.limits.max_size {
            return err(ErrorKind::Limit, "size limit exceeded: too many contexts");
        }
        self.scopes.push(Scope {
            parent: Some(parent),
            vars: vec![],
            funcs: vec![],
        });
        Ok(self.scopes.len() - 1)
    }

    pub fn set_var(&mut self, sc: usize, name: &str, v: V) {
        let name = if name.is_empty() { "1" } else { name };
        let vars = &mut self.scopes[sc].vars;
        if let Some(slot) = vars.iter_mut().find(|(k, _)| k == name) {
            slot.1 = v;
        } else {
            vars.push((name.to_string(), v));
        }
    }

    pub fn get_var(&self, sc: usize, name: &str) -> V {
        let name = if name.is_empty() { "1" } else { name };
        let mut cur = Some(sc);
        while let Some(i) = cur {
            if let Some((_, v)) = self.scopes[i].vars.iter().find(|(k, _)| k == name) {
                return v.clone();
            }
            cur = self.scopes[i].parent;
        }
        V::Null
    }

    fn find_def(&self, sc: usize, name: &str) -> Option<(&'a Expr, usize)> {
        let mut cur = Some(sc);
        while let Some(i) = cur {
            if let Some((_, e, d)) = self.scopes[i]
                .funcs
                .iter()
                .rev()
                .find(|(k, _, _)| k == name)
            {
                return Some((e, *d));
            }
            cur = self.scopes[i].parent;
        }
        None
    }

    /// Calls a lambda expression with `$1..$n` (and `$`) bound to `params`.
    pub fn call_lambda(&mut self, e: &'a Expr, sc: usize, params: &[V]) -> R<V> {
        let c = self.child(sc)?;
        for (i, p) in params.iter().enumerate() {
            self.scopes[c].vars.push(((i + 1).to_string(), p.clone()));
        }
        self.eval(e, c)
    }

    /// Calls a positional argument as a lambda (a value argument yields itself).
    pub fn lam(&mut self, a: &PArg<'a>, sc: usize, params: &[V]) -> R<V> {
        match a {
            PArg::Expr(e) => self.call_lambda(e, sc, params),
            PArg::Val(v) => Ok(v.clone()),
            PArg::Missing => Ok(V::Null),
        }
    }

    pub fn eval(&mut self, e: &'a Expr, sc: usize) -> R<V> {
        self.spend(1)?;
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            self.depth -= 1;
            return err(
                ErrorKind::Limit,
                format!("depth limit exceeded (max_depth {})", self.limits.max_depth),
            );
        }
        let r = self.eval_inner(e, sc);
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &'a Expr, sc: usize) -> R<V> {
        Ok(match e {
            Expr::Null => V::Null,
            Expr::Bool(b) => V::Bool(*b),
            Expr::Int(i) => V::Int(*i),
            Expr::Big(b) => V::big(b.clone()),
            Expr::Float(f) => V::Float(*f),
            Expr::Str(s) | Expr::Keyword(s) => V::str(s),
            Expr::Var(name) => self.get_var(sc, name),
            Expr::Paren(inner) => self.eval(inner, sc)?,
            Expr::List(args) => {
                let mut out = Vec::with_capacity(args.len());
                for a in args {
                    match a {
                        Arg::Pos(x) => out.push(self.eval(x, sc)?),
                        Arg::Empty => out.push(V::Null),
                        Arg::Named(..) => return no_func("#list"),
                    }
                }
                V::list(out)
            }
            Expr::Dict(args) => {
                let mut m = IndexMap::with_capacity(args.len());
                for a in args {
                    match a {
                        Arg::Named(k, v) => {
                            let key = self.eval(k, sc)?;
                            hashable(&key)?;
                            let val = self.eval(v, sc)?;
                            m.insert(Key(key), val);
                        }
                        _ => return no_func("#map"),
                    }
                }
                V::Dict(Rc::new(m), DictKind::Frozen)
            }
            Expr::Call(name, args) => {
                let a = self.make_args(None, args, sc)?;
                self.call(name, a)?
            }
            Expr::Index(obj, args) => {
                let o = self.eval(obj, sc)?;
                let mut vals = Vec::new();
                for a in args {
                    match a {
                        Arg::Pos(x) => vals.push(self.eval(x, sc)?),
                        _ => return no_func("#indexer"),
                    }
                }
                match super::ops::index(&o, &vals) {
                    // a Python list (what split() returns), not a tuple
                    Err(e) if e.msg == "tuple index out of range" && self.is_py_list(&o) => {
                        return err(ErrorKind::Index, "list index out of range");
                    }
                    other => other?,
                }
            }
            Expr::Unary(op, x) => {
                let v = self.eval(x, sc)?;
                match op {
                    UnOp::Not => V::Bool(!v.truthy()),
                    UnOp::Minus => super::ops::neg(&v)?,
                    UnOp::Plus => {
                        if v.is_number() || matches!(v, V::TimeSpan(_)) {
                            v
                        } else {
                            return no_func("#unary_operator_+");
                        }
                    }
                }
            }
            Expr::Binary(op, l, r) => match op {
                BinOp::And => {
                    let lv = self.eval(l, sc)?;
                    if lv.truthy() { self.eval(r, sc)? } else { lv }
                }
                BinOp::Or => {
                    let lv = self.eval(l, sc)?;
                    if lv.truthy() { lv } else { self.eval(r, sc)? }
                }
                // `.` takes a name or a call on its right, never a constant
                BinOp::Dot | BinOp::Elvis
                    if !matches!(**r, Expr::Keyword(_)) && constant_kind(r).is_some() =>
                {
                    return no_func(&format!("#operator_{}", op.symbol()));
                }
                BinOp::Dot => {
                    if let Some(v) = super::lib_gen::take_from_endless(self, l, r, sc)? {
                        return Ok(v);
                    }
                    let recv = self.eval(l, sc)?;
                    self.dot(recv, r, sc)?
                }
                BinOp::Elvis => {
                    let recv = self.eval(l, sc)?;
                    if matches!(recv, V::Null) {
                        V::Null
                    } else {
                        self.dot(recv, r, sc)?
                    }
                }
                BinOp::Arrow => {
                    let lv = self.eval(l, sc)?;
                    match lv {
                        V::Ctx(c) => self.eval(r, c)?,
                        _ => return no_func("#operator_->"),
                    }
                }
                _ => {
                    if constant_mismatch(*op, l, r) {
                        return no_func(&format!("#operator_{}", op.symbol()));
                    }
                    let lv = self.eval(l, sc)?;
                    let rv = self.eval(r, sc)?;
                    self.binary(*op, &lv, &rv)?
                }
            },
        })
    }

    fn binary(&mut self, op: BinOp, l: &V, r: &V) -> R<V> {
        use super::ops;
        Ok(match op {
            BinOp::Add => ops::add(self, l, r)?,
            BinOp::Sub => ops::sub(l, r)?,
            BinOp::Mul => ops::mul(self, l, r)?,
            BinOp::Div => ops::div(l, r)?,
            BinOp::Mod => ops::modulo(l, r)?,
            BinOp::Eq => V::Bool(py_eq(l, r)),
            BinOp::Ne => V::Bool(!py_eq(l, r)),
            BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => ops::compare(op, l, r)?,
            BinOp::In => ops::contains_op(l, r)?,
            BinOp::Match | BinOp::NotMatch => {
                let name = if op == BinOp::Match { "=~" } else { "!~" };
                let m = super::regex::matches_op(self, l, r, name)?;
                V::Bool(if op == BinOp::Match { m } else { !m })
            }
            BinOp::And | BinOp::Or | BinOp::Dot | BinOp::Elvis | BinOp::Arrow => V::Null,
        })
    }

    /// `recv.rhs`: a method call, a property, or an expression on the receiver.
    fn dot(&mut self, recv: V, rhs: &'a Expr, sc: usize) -> R<V> {
        match rhs {
            Expr::Call(name, args) => {
                let a = self.make_args(Some(recv), args, sc)?;
                self.call(name, a)
            }
            // a property of a collection maps over it (a `map` object)
            Expr::Keyword(name) if matches!(recv, V::List(_) | V::Iter(_) | V::Set(..)) => {
                let v = property(&recv, name)?;
                Ok(self.tagged(v, "<map object at 0x...>"))
            }
            Expr::Keyword(name) => property(&recv, name),
            other if other.uses_receiver() => self.eval(other, sc),
            _ => no_func("#operator_."),
        }
    }

    fn make_args(&mut self, recv: Option<V>, args: &'a [Arg], sc: usize) -> R<Args<'a>> {
        let method = recv.is_some();
        let mut pos = Vec::with_capacity(args.len() + 1);
        if let Some(r) = recv {
            pos.push(PArg::Val(r));
        }
        let mut named = Vec::new();
        for a in args {
            match a {
                Arg::Pos(e) => pos.push(PArg::Expr(e)),
                Arg::Empty => pos.push(PArg::Missing),
                Arg::Named(k, v) => {
                    let key = match k {
                        Expr::Keyword(s) => s.clone(),
                        Expr::Str(s) => s.clone(),
                        // a computed key (a `switch` condition): read from `raw`
                        _ => continue,
                    };
                    named.push((key, v));
                }
            }
        }
        Ok(Args {
            pos,
            named,
            sc,
            method,
            raw: args,
        })
    }

    /// Evaluates positional argument `i` as a value.
    pub fn arg(&mut self, a: &Args<'a>, i: usize) -> R<V> {
        match a.pos.get(i) {
            Some(PArg::Val(v)) => Ok(v.clone()),
            Some(PArg::Expr(e)) => self.eval(e, a.sc),
            _ => Ok(V::Null),
        }
    }

    /// Evaluates every positional argument as a value.
    pub fn all_args(&mut self, a: &Args<'a>) -> R<Vec<V>> {
        (0..a.pos.len()).map(|i| self.arg(a, i)).collect()
    }

    /// Evaluates the named argument `name`, if given.
    pub fn named(&mut self, a: &Args<'a>, name: &str) -> R<Option<V>> {
        match a.named.iter().find(|(k, _)| k == name) {
            Some((_, e)) => Ok(Some(self.eval(e, a.sc)?)),
            None => Ok(None),
        }
    }

    /// Calls a function or method by name.
    pub fn call(&mut self, name: &str, a: Args<'a>) -> R<V> {
        self.spend(1)?;
        if !a.method
            && let Some((body, dsc)) = self.find_def(a.sc, name)
        {
            let vals = self.all_args(&a)?;
            let mut named = Vec::new();
            for (k, e) in &a.named {
                named.push((k.clone(), self.eval(e, a.sc)?));
            }
            let c = self.child(dsc)?;
            for (i, p) in vals.into_iter().enumerate() {
                self.scopes[c].vars.push(((i + 1).to_string(), p));
            }
            for (k, v) in named {
                self.scopes[c].vars.push((k, v));
            }
            return self.eval(body, c);
        }
        super::lib::dispatch(self, name, a)
    }

    /// Registers `def(name, body)` in a new child context.
    pub fn define(&mut self, sc: usize, name: String, body: &'a Expr) -> R<V> {
        let c = self.child(sc)?;
        self.scopes[c].funcs.push((name, body, c));
        Ok(V::Ctx(c))
    }
}

/// Python hashability check for dict keys and set items. yaql's data is
/// frozen: lists are tuples and dictionaries `FrozenDict`s (hashed over
/// their pairs); they only fail to hash where the output conversion thaws
/// them (see `check_output`).
pub fn hashable(v: &V) -> R<()> {
    match v {
        V::Dict(d, _) => d.values().try_for_each(hashable),
        V::List(l) | V::Iter(l) => l.iter().try_for_each(hashable),
        _ => Ok(()),
    }
}

/// The kind of a constant operand (`s` text or bare name, `n` null, `b`
/// bool, `#` number, `c` list or dict literal), seen through parentheses.
fn constant_kind(e: &Expr) -> Option<char> {
    match e {
        Expr::Paren(x) => constant_kind(x),
        Expr::Str(_) | Expr::Keyword(_) => Some('s'),
        Expr::Null => Some('n'),
        Expr::Bool(_) => Some('b'),
        Expr::Int(_) | Expr::Big(_) | Expr::Float(_) => Some('#'),
        Expr::List(_) | Expr::Dict(_) => Some('c'),
        _ => None,
    }
}

/// yaql picks an operator's overload before evaluating its operands, so a
/// constant operand no overload takes fails first (`$.missing - 'a'` is a
/// no-matching-function error, not a missing key).
fn constant_mismatch(op: BinOp, l: &Expr, r: &Expr) -> bool {
    let (a, b) = (constant_kind(l), constant_kind(r));
    let any = |set: &str| [a, b].iter().flatten().any(|k| set.contains(*k));
    match op {
        BinOp::Sub | BinOp::Div | BinOp::Mod => any("snb"),
        BinOp::Mul => any("n"),
        BinOp::Add => any("nb"),
        BinOp::In => b.is_some_and(|k| "nb#".contains(k)),
        BinOp::Match | BinOp::NotMatch => any("nb#"),
        _ => false,
    }
}

/// `recv.name` for a keyword `name`.
pub fn property(recv: &V, name: &str) -> R<V> {
    match recv {
        V::Dict(d, _) => match d.get(&Key(V::str(name))) {
            Some(v) => Ok(v.clone()),
            None => err(ErrorKind::Key, format!("'{name}'")),
        },
        V::List(l) | V::Iter(l) | V::Set(l, _) => {
            let mut out = Vec::with_capacity(l.len());
            for x in l.iter() {
                out.push(property(x, name)?);
            }
            Ok(V::iter(out))
        }
        V::DateTime(_) | V::TimeSpan(_) => super::datetime::property(recv, name),
        _ => err(
            ErrorKind::UnknownFunction,
            format!("Unknown function \"#property#{name}\""),
        ),
    }
}
