//! Named failpoints for the fault-injection tests (RELIABILITY.md §3.0):
//! `failpoint!("engine.result.before_commit")` at a code point, configured
//! by the `FAILPOINTS` environment variable when the `failpoints` feature is
//! on. Without the feature [`eval`] is a constant `None` and every point
//! compiles to nothing.
//!
//! `FAILPOINTS` is `name=terms;name=terms`, each `terms` a `->` chain of
//! `[p%][count*]action` (as in the `fail` crate): `abort`, `panic`,
//! `panic(msg)`, `return`, `duplicate`, `busy(n)`, `sleep(ms)`, `off`. A term
//! with a count applies that many hits, then the next one takes over; a term
//! without one applies forever. `2*off->abort` aborts on the third hit;
//! `5%return` returns on about one hit in twenty.

/// What a failpoint does when it is hit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing.
    Off,
    /// `std::process::abort()`: the crash of the crash tests.
    Abort,
    /// Panic with this message.
    Panic(String),
    /// Skip what follows the point (the point decides what that means).
    Return,
    /// Do it twice (`dispatch.duplicate`).
    Duplicate,
    /// Answer "busy" the first n times per key (`confirm.busy`).
    Busy(u32),
    /// Block the thread this many milliseconds.
    Sleep(u64),
    /// `p%action`: the action on p percent of the hits (chosen by a
    /// generator seeded from `FAILPOINTS_SEED`, else the clock), nothing
    /// on the others.
    Chance(u8, Box<Action>),
}

/// Hits `name`: aborts, panics or sleeps when configured so; other actions
/// are for the code at the point (see [`eval`]).
#[macro_export]
macro_rules! failpoint {
    ($name:expr) => {
        $crate::failpoints::hit($name)
    };
}

#[cfg(not(feature = "failpoints"))]
mod imp {
    use super::Action;

    /// Always `None` without the `failpoints` feature.
    #[inline(always)]
    pub fn eval(_name: &str) -> Option<Action> {
        None
    }

    /// Always false without the `failpoints` feature.
    #[inline(always)]
    pub fn busy(_name: &str, _key: &dyn std::fmt::Display) -> bool {
        false
    }
}

#[cfg(feature = "failpoints")]
mod imp {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use super::Action;

    struct Term {
        count: Option<u64>,
        action: Action,
    }

    #[derive(Default)]
    struct Point {
        terms: Vec<Term>,
        /// Hits taken by `terms[0]` so far (spent terms are removed).
        used: u64,
    }

    struct Registry {
        points: HashMap<String, Point>,
        busy: HashMap<String, u32>,
        /// The state of the generator behind `p%action`.
        seed: u64,
    }

    fn registry() -> &'static Mutex<Registry> {
        static REG: OnceLock<Mutex<Registry>> = OnceLock::new();
        REG.get_or_init(|| {
            let spec = std::env::var(super::ENV).unwrap_or_default();
            let points = super::parse(&spec)
                .unwrap_or_else(|e| panic!("bad {}: {e}", super::ENV))
                .into_iter()
                .map(|(name, terms)| {
                    let terms = terms
                        .into_iter()
                        .map(|(count, action)| Term { count, action })
                        .collect();
                    (name, Point { terms, used: 0 })
                })
                .collect();
            let seed = std::env::var("FAILPOINTS_SEED")
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .unwrap_or_else(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(1, |d| d.as_nanos() as u64)
                })
                .max(1);
            Mutex::new(Registry {
                points,
                busy: HashMap::new(),
                seed,
            })
        })
    }

    /// The action of this hit of `name`, or `None` when it is off.
    pub fn eval(name: &str) -> Option<Action> {
        let mut reg = registry().lock().unwrap_or_else(|p| p.into_inner());
        let point = reg.points.get_mut(name)?;
        while let Some(t) = point.terms.first() {
            match t.count {
                Some(n) if point.used >= n => {
                    point.terms.remove(0);
                    point.used = 0;
                }
                _ => break,
            }
        }
        let term = point.terms.first()?;
        let mut action = term.action.clone();
        point.used += 1;
        if let Action::Chance(percent, inner) = action {
            action = match roll(&mut reg) < u64::from(percent) {
                true => *inner,
                false => Action::Off,
            };
        }
        (action != Action::Off).then_some(action)
    }

    /// A number in 0..100 from the registry's generator (xorshift).
    fn roll(reg: &mut Registry) -> u64 {
        let mut x = reg.seed;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        reg.seed = x;
        x % 100
    }

    /// True when `name` is `busy(n)` and `key` was answered busy fewer than
    /// n times so far (and counts this one).
    pub fn busy(name: &str, key: &dyn std::fmt::Display) -> bool {
        let Some(Action::Busy(n)) = eval(name) else {
            return false;
        };
        let mut reg = registry().lock().unwrap_or_else(|p| p.into_inner());
        let seen = reg.busy.entry(key.to_string()).or_insert(0);
        if *seen < n {
            *seen += 1;
            true
        } else {
            false
        }
    }
}

pub use imp::{busy, eval};

/// The environment variable that configures the failpoints.
pub const ENV: &str = "FAILPOINTS";

/// Hits `name`: aborts the process, panics or sleeps if configured so.
/// Returns the action for the point's own handling (`return`, ...).
pub fn hit(name: &str) -> Option<Action> {
    let action = eval(name)?;
    match &action {
        Action::Abort => {
            log::error!("failpoint {name}: abort");
            eprintln!("failpoint {name}: abort");
            std::process::abort();
        }
        Action::Panic(msg) => panic!("failpoint {name}: {msg}"),
        Action::Sleep(ms) => std::thread::sleep(std::time::Duration::from_millis(*ms)),
        _ => {}
    }
    Some(action)
}

/// A parsed point: name and its `(count, action)` terms.
type Parsed = Vec<(String, Vec<(Option<u64>, Action)>)>;

/// Parses a `FAILPOINTS` value.
pub fn parse(spec: &str) -> Result<Parsed, String> {
    let mut out = Vec::new();
    for item in spec.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, terms) = item
            .split_once('=')
            .ok_or_else(|| format!("'{item}' is not name=actions"))?;
        let terms = terms
            .split("->")
            .map(|t| parse_term(t.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        out.push((name.trim().to_string(), terms));
    }
    Ok(out)
}

fn parse_term(t: &str) -> Result<(Option<u64>, Action), String> {
    if let Some((p, rest)) = t.split_once('%') {
        let percent = p
            .trim()
            .parse::<u8>()
            .ok()
            .filter(|p| *p <= 100)
            .ok_or_else(|| format!("bad percentage in '{t}'"))?;
        let (count, inner) = parse_term(rest.trim())?;
        return Ok((count, Action::Chance(percent, Box::new(inner))));
    }
    let (count, rest) = match t.split_once('*') {
        Some((n, rest)) => (
            Some(
                n.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("bad count in '{t}'"))?,
            ),
            rest.trim(),
        ),
        None => (None, t),
    };
    let (word, arg) = match rest.split_once('(') {
        Some((w, a)) => (
            w,
            Some(
                a.strip_suffix(')')
                    .ok_or_else(|| format!("unclosed '(' in '{t}'"))?,
            ),
        ),
        None => (rest, None),
    };
    let num = |a: Option<&str>| -> Result<u64, String> {
        a.and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| format!("'{t}' needs a number"))
    };
    let action = match word {
        "off" => Action::Off,
        "abort" => Action::Abort,
        "panic" => Action::Panic(arg.unwrap_or("failpoint").to_string()),
        "return" => Action::Return,
        "duplicate" => Action::Duplicate,
        "busy" => Action::Busy(u32::try_from(num(arg)?).map_err(|e| e.to_string())?),
        "sleep" => Action::Sleep(num(arg)?),
        other => return Err(format!("unknown failpoint action '{other}'")),
    };
    Ok((count, action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chains_counts_and_arguments() {
        let p = parse("a=2*off->abort; b=busy(3);c=panic(boom)->return").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].1, vec![(Some(2), Action::Off), (None, Action::Abort)]);
        assert_eq!(p[1].1, vec![(None, Action::Busy(3))]);
        assert_eq!(
            p[2].1,
            vec![(None, Action::Panic("boom".into())), (None, Action::Return)]
        );
    }

    #[test]
    fn rejects_bad_specs() {
        assert!(parse("a").is_err());
        assert!(parse("a=explode").is_err());
        assert!(parse("a=busy").is_err());
        assert!(parse("a=x*abort").is_err());
        assert!(parse("a=sleep(10").is_err());
        assert!(parse("a=101%return").is_err());
    }

    #[test]
    fn parses_a_chance() {
        let p = parse("w=5%return").unwrap();
        assert_eq!(
            p[0].1,
            vec![(None, Action::Chance(5, Box::new(Action::Return)))]
        );
    }
}
