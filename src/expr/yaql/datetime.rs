//! YAQL date and time values (`datetime`, `timespan`, `now`) and their
//! properties; a datetime keeps the UTC offset it was written with (UTC
//! when it names none), spans are microseconds.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike};

use super::interp::{Args, Interp, R, err};
use super::value::V;
use crate::expr::ErrorKind;

/// A datetime: its wall-clock time and UTC offset (Python's aware
/// `datetime`; equal, ordered and subtracted as instants).
pub type Dt = chrono::DateTime<chrono::FixedOffset>;

/// A naive time taken as UTC, as yaql takes one.
pub fn utc(d: NaiveDateTime) -> Dt {
    d.and_utc().fixed_offset()
}

/// Python `str()` of a datetime (`2020-01-02 03:04:05+00:00`).
pub fn dt_str(d: &Dt) -> String {
    if d.nanosecond() == 0 {
        format!("{}", d.format("%Y-%m-%d %H:%M:%S%:z"))
    } else {
        format!("{}", d.format("%Y-%m-%d %H:%M:%S%.6f%:z"))
    }
}

/// A datetime in a JSON result: its wall-clock time, and its offset when
/// that is not UTC.
pub fn dt_json(d: &Dt) -> String {
    let local = d.format("%Y-%m-%dT%H:%M:%S%.f").to_string();
    if d.offset().local_minus_utc() == 0 {
        local
    } else {
        format!("{local}{}", d.format("%:z"))
    }
}

/// Python `str()` of a timedelta.
pub fn ts_str(us: i64) -> String {
    let days = us.div_euclid(86_400_000_000);
    let rest = us.rem_euclid(86_400_000_000);
    let secs = rest / 1_000_000;
    let micros = rest % 1_000_000;
    let hms = format!("{}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60);
    let hms = if micros > 0 {
        format!("{hms}.{micros:06}")
    } else {
        hms
    };
    match days {
        0 => hms,
        1 | -1 => format!("{days} day, {hms}"),
        _ => format!("{days} days, {hms}"),
    }
}

pub fn property(v: &V, name: &str) -> R<V> {
    match v {
        V::DateTime(d) => Ok(match name {
            "year" => V::Int(d.year() as i64),
            "month" => V::Int(d.month() as i64),
            "day" => V::Int(d.day() as i64),
            "hour" => V::Int(d.hour() as i64),
            "minute" => V::Int(d.minute() as i64),
            "second" => V::Int(d.second() as i64),
            "microsecond" => V::Int((d.nanosecond() / 1000) as i64),
            "weekday" => V::Int(d.weekday().num_days_from_monday() as i64),
            // yaql's `utc` is `dt - dt.utcoffset()` (the offset kept), and
            // `timestamp` the seconds from the epoch to that
            "timestamp" => V::Float(
                (d.timestamp_micros() - i64::from(d.offset().local_minus_utc()) * 1_000_000) as f64
                    / 1e6,
            ),
            "utc" => {
                V::DateTime(*d - chrono::Duration::seconds(i64::from(d.offset().local_minus_utc())))
            }
            "offset" | "utcoffset" => {
                V::TimeSpan(i64::from(d.offset().local_minus_utc()) * 1_000_000)
            }
            "date" => V::DateTime(
                d.date_naive()
                    .and_hms_opt(0, 0, 0)
                    .and_then(|x| d.offset().from_local_datetime(&x).single())
                    .unwrap_or(*d),
            ),
            "time" => V::TimeSpan(
                (d.num_seconds_from_midnight() as i64) * 1_000_000 + (d.nanosecond() / 1000) as i64,
            ),
            _ => return unknown(name),
        }),
        V::TimeSpan(t) => {
            let micros = *t;
            let t = *t as f64;
            Ok(match name {
                "days" => V::Float(t / 86_400e6),
                "hours" => V::Float(t / 3_600e6),
                "minutes" => V::Float(t / 60e6),
                "seconds" => V::Float(t / 1e6),
                "milliseconds" => V::Float(t / 1e3),
                // an integer: days, seconds and microseconds summed
                "microseconds" => V::Int(micros),
                _ => return unknown(name),
            })
        }
        _ => unknown(name),
    }
}

fn unknown<T>(name: &str) -> R<T> {
    err(
        ErrorKind::UnknownFunction,
        format!("Unknown function \"#property#{name}\""),
    )
}

/// A datetime's fields by name, in the order of `[i64; 7]` parts
/// (Python's `datetime(year, month, day, hour, minute, second,
/// microsecond)`).
const FIELDS: [&str; 7] = [
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "microsecond",
];

/// Sets the `parts` that `a` names ([`FIELDS`]); false when one of them is
/// not an integer (no overload takes it).
fn named_fields<'a>(it: &mut Interp<'a>, a: &Args<'a>, parts: &mut [i64; 7]) -> R<bool> {
    for (i, k) in FIELDS.iter().enumerate() {
        if let Some(v) = it.named(a, k)? {
            match int_of(&v) {
                Some(x) => parts[i] = x,
                None => return Ok(false),
            }
        }
    }
    Ok(true)
}

/// The wall-clock time of `parts`, if every field is in its range.
fn naive(p: &[i64; 7]) -> Option<NaiveDateTime> {
    NaiveDate::from_ymd_opt(p[0] as i32, p[1] as u32, p[2] as u32)
        .and_then(|d| d.and_hms_micro_opt(p[3] as u32, p[4] as u32, p[5] as u32, p[6] as u32))
}

fn int_of(v: &V) -> Option<i64> {
    match v {
        V::Int(i) => Some(*i),
        _ => None,
    }
}

pub fn call<'a>(it: &mut Interp<'a>, name: &str, a: &Args<'a>) -> R<Option<V>> {
    let n = a.pos.len();
    Ok(Some(match name {
        "datetime" => {
            let vals = it.all_args(a)?;
            if n == 1
                && let V::Str(s) = &vals[0]
            {
                return parse_dt(s).map(Some);
            }
            if n == 1 && a.named.is_empty() && matches!(vals[0], V::Int(_) | V::Float(_)) {
                let secs = vals[0].as_f64().unwrap_or(0.0);
                let micros = (secs * 1e6).round() as i64;
                return match chrono::DateTime::from_timestamp_micros(micros) {
                    Some(d) => Ok(Some(V::DateTime(d.fixed_offset()))),
                    None => err(ErrorKind::Overflow, "timestamp out of range"),
                };
            }
            if n == 2
                && let (V::Str(s), V::Str(f)) = (&vals[0], &vals[1])
            {
                let fmt = f.replace("%z", "%#z");
                return match NaiveDateTime::parse_from_str(s, &fmt) {
                    Ok(d) => Ok(Some(V::DateTime(utc(d)))),
                    Err(_) => err(
                        ErrorKind::Value,
                        format!("time data '{s}' does not match format '{f}'"),
                    ),
                };
            }
            // yaql's datetime() overloads name no other parameters
            const OTHERS: [&str; 4] = ["offset", "timestamp", "string", "format"];
            if a.named
                .iter()
                .any(|(k, _)| !FIELDS.contains(&k.as_str()) && !OTHERS.contains(&k.as_str()))
            {
                return Ok(None);
            }
            let mut parts = [1970i64, 1, 1, 0, 0, 0, 0];
            for (i, v) in vals.iter().enumerate().take(7) {
                match v {
                    V::Int(x) => parts[i] = *x,
                    V::Big(_) => {
                        return err(
                            ErrorKind::Overflow,
                            "Python int too large to convert to C long",
                        );
                    }
                    _ => return Ok(None),
                }
            }
            if parts
                .iter()
                .any(|p| *p > i32::MAX as i64 || *p < i32::MIN as i64)
            {
                return err(
                    ErrorKind::Overflow,
                    "signed integer is greater than maximum",
                );
            }
            if !named_fields(it, a, &mut parts)? {
                return Ok(None);
            }
            if n == 0 && a.named.is_empty() {
                return Ok(None);
            }
            // Python's datetime holds years 1 to 9999 only
            if !(1..=9999).contains(&parts[0]) {
                return err(
                    ErrorKind::Value,
                    format!("year {} is out of range", parts[0]),
                );
            }
            match naive(&parts) {
                Some(d) => V::DateTime(utc(d)),
                None => return err(ErrorKind::Value, field_error(&parts)),
            }
        }
        "timespan" => {
            // timespan(days=0, hours=0, minutes=0, seconds=0,
            // milliseconds=0, microseconds=0): by position or by name
            const UNITS: [(&str, f64); 6] = [
                ("days", 86_400e6),
                ("hours", 3_600e6),
                ("minutes", 60e6),
                ("seconds", 1e6),
                ("milliseconds", 1e3),
                ("microseconds", 1.0),
            ];
            let n = a.pos.len();
            if n > UNITS.len()
                || a.named
                    .iter()
                    .any(|(k, _)| UNITS.iter().position(|(u, _)| u == k).is_none_or(|i| i < n))
            {
                return Ok(None);
            }
            let mut us = 0f64;
            for (i, (k, mult)) in UNITS.into_iter().enumerate() {
                let v = if i < n {
                    Some(it.arg(a, i)?)
                } else {
                    it.named(a, k)?
                };
                if let Some(v) = v {
                    match v {
                        V::Int(i) => us += i as f64 * mult,
                        V::Bool(b) => us += f64::from(u8::from(b)) * mult,
                        V::Big(_) => {
                            return err(
                                ErrorKind::Overflow,
                                "Python int too large to convert to C int",
                            );
                        }
                        _ => return Ok(None),
                    }
                }
            }
            super::ops::span_f(us)?
        }
        "now" => V::DateTime(chrono::Utc::now().fixed_offset()),
        "replace" if a.method && matches!(it.arg(a, 0)?, V::DateTime(_)) => {
            let V::DateTime(d) = it.arg(a, 0)? else {
                return Ok(None);
            };
            let mut parts = [
                d.year() as i64,
                d.month() as i64,
                d.day() as i64,
                d.hour() as i64,
                d.minute() as i64,
                d.second() as i64,
                (d.nanosecond() / 1000) as i64,
            ];
            if !named_fields(it, a, &mut parts)? {
                return Ok(None);
            }
            let nd = naive(&parts).filter(|_| (1..=9999).contains(&parts[0]));
            match nd.and_then(|x| d.offset().from_local_datetime(&x).single()) {
                Some(x) => V::DateTime(x),
                None => return err(ErrorKind::Value, field_error(&parts)),
            }
        }
        "isDatetime" if n == 1 => V::Bool(matches!(it.arg(a, 0)?, V::DateTime(_))),
        "isTimespan" if n == 1 => V::Bool(matches!(it.arg(a, 0)?, V::TimeSpan(_))),
        "format" if n == 2 => {
            let (V::DateTime(d), V::Str(f)) = (it.arg(a, 0)?, it.arg(a, 1)?) else {
                return Ok(None);
            };
            use std::fmt::Write;
            let mut out = String::new();
            let f = py_strftime_format(&d, &f);
            if write!(out, "{}", d.format(&f)).is_err() {
                return err(ErrorKind::Value, "invalid format string");
            }
            V::string(out)
        }
        _ => return Ok(None),
    }))
}

/// A Python `strftime` format as chrono's: the directives whose output
/// differs are written out (`%f` is six digits of microseconds, `%Z` and
/// `%z` of yaql's UTC datetimes `UTC` and `+0000`, `%Y` a year unpadded
/// below 1000); the rest are chrono's as they are.
fn py_strftime_format(d: &Dt, f: &str) -> String {
    let mut out = String::with_capacity(f.len());
    let mut chars = f.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => out.push_str(&format!("{:06}", d.timestamp_subsec_micros())),
            // a fixed offset other than UTC has no name
            Some('Z') if d.offset().local_minus_utc() == 0 => out.push_str("UTC"),
            Some('Z') => {}
            Some('z') => out.push_str("%z"),
            Some('Y') => out.push_str(&d.year().to_string()),
            Some(c) if KNOWN.contains(c) || c == '%' => {
                out.push('%');
                out.push(c);
            }
            // a padding flag before a directive glibc and chrono share
            Some(flag @ ('-' | '_' | '0')) => {
                let rest = chars.as_str();
                match rest.chars().next() {
                    Some(c) if KNOWN.contains(c) => {
                        out.push('%');
                        out.push(flag);
                        out.push(c);
                        chars.next();
                    }
                    _ => {
                        out.push_str("%%");
                        out.push(flag);
                    }
                }
            }
            // the locale's alternative forms: the plain ones in the C locale
            Some('E' | 'O') if chars.as_str().starts_with(|c| KNOWN.contains(c)) => {
                out.push('%');
            }
            // glibc writes a directive it does not know as it is
            Some(c) => {
                out.push_str("%%");
                out.push(c);
            }
            None => out.push_str("%%"),
        }
    }
    out
}

/// The `strftime` directives glibc and chrono both know.
const KNOWN: &str = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyY";

/// Python's `datetime()` complaint about the first field out of its range
/// (year, month, day, hour, minute, second, microsecond).
fn field_error(p: &[i64; 7]) -> String {
    let days = u32::try_from(p[1])
        .ok()
        .and_then(|m| {
            let first = NaiveDate::from_ymd_opt(i32::try_from(p[0]).ok()?, m, 1)?;
            let next = first.checked_add_months(chrono::Months::new(1))?;
            Some(i64::from(
                next.signed_duration_since(first).num_days() as i32
            ))
        })
        .unwrap_or(31);
    if !(1..=9999).contains(&p[0]) {
        format!("year {} is out of range", p[0])
    } else if !(1..=12).contains(&p[1]) {
        "month must be in 1..12".into()
    } else if !(1..=days).contains(&p[2]) {
        "day is out of range for month".into()
    } else if !(0..=23).contains(&p[3]) {
        "hour must be in 0..23".into()
    } else if !(0..=59).contains(&p[4]) {
        "minute must be in 0..59".into()
    } else if !(0..=59).contains(&p[5]) {
        "second must be in 0..59".into()
    } else {
        "microsecond must be in 0..999999".into()
    }
}

/// Python's complaint about a field of a `Y-M-D[ H[:M[:S]]]` text out of
/// its range, as dateutil passes it on.
fn out_of_range(t: &str) -> Option<&'static str> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}))?)?",
        )
        .ok()
    });
    let c = re.as_ref()?.captures(t)?;
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let (y, m, d) = (num(1)? as i32, num(2)?, num(3)?);
    if !(1..=12).contains(&m) {
        return Some("month must be in 1..12");
    }
    if NaiveDate::from_ymd_opt(y, m, d).is_none() {
        return Some("day is out of range for month");
    }
    match (num(4), num(5), num(6)) {
        (Some(h), _, _) if h > 23 => Some("hour must be in 0..23"),
        (_, Some(mi), _) if mi > 59 => Some("minute must be in 0..59"),
        (_, _, Some(sec)) if sec > 59 => Some("second must be in 0..59"),
        _ => None,
    }
}

fn parse_dt(s: &str) -> R<V> {
    let t = s.trim();
    if let Some(why) = out_of_range(t) {
        return err(ErrorKind::Value, format!("{why}: {s}"));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, f) {
            return Ok(V::DateTime(utc(d)));
        }
    }
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(V::DateTime(d));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d")
        && let Some(x) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(V::DateTime(utc(x)));
    }
    // dateutil finds no token at all in a text of separators only
    let core: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !",/.-".contains(*c))
        .collect();
    if core.is_empty() || core == "T" {
        return err(
            ErrorKind::Value,
            format!("String does not contain a date: {s}"),
        );
    }
    err(ErrorKind::Value, format!("Unknown string format: {s}"))
}
