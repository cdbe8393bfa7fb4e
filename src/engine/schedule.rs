//! Cron schedules, pure: patterns as Mistral (croniter) takes them, read
//! by the croner crate, and the next time a pattern names, in UTC or in a
//! trigger's own time zone. No clock here: every time is passed in.

use chrono::{NaiveDateTime, TimeZone, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::domain::Timestamp;

/// Mistral's pattern of a one-shot trigger (February 30th: never).
pub const NEVER: &str = "0 0 30 2 0";

/// What a firing does about scheduled times that passed while no engine
/// ran (an extension; `None` on a trigger means [`CatchUp::Once`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatchUp {
    /// Mistral's: one firing for all the missed times, then on from now.
    Once,
    /// Missed times (older than the grace) start nothing.
    Skip,
    /// One firing for each missed time, up to a bound; the rest are skipped.
    All,
}

impl CatchUp {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "once" => Some(Self::Once),
            "skip" => Some(Self::Skip),
            "all" => Some(Self::All),
            _ => None,
        }
    }
}

/// A parsed pattern with the zone it is read in.
#[derive(Clone, Debug)]
pub struct Schedule {
    cron: Cron,
    zone: Option<chrono_tz::Tz>,
}

/// Parses `pattern` as croniter does: five fields (minute hour
/// day-of-month month day-of-week), or six with seconds last, or an alias
/// such as `@hourly`. `None` when it is not valid.
pub fn parse(pattern: &str) -> Option<Cron> {
    let fields: Vec<&str> = pattern.split_whitespace().collect();
    let (text, seconds) = match fields.len() {
        1 if fields[0].starts_with('@') => (fields[0].to_string(), Seconds::Disallowed),
        5 => (fields.join(" "), Seconds::Disallowed),
        // croniter's sixth field is the second; croner wants it first.
        6 => (
            format!("{} {}", fields[5], fields[..5].join(" ")),
            Seconds::Required,
        ),
        _ => return None,
    };
    CronParser::builder()
        .seconds(seconds)
        .year(Year::Disallowed)
        .build()
        .parse(&text)
        .ok()
}

impl Schedule {
    /// `pattern` read in `zone` (an IANA name; `None`: UTC).
    pub fn new(pattern: &str, zone: Option<&str>) -> Result<Self, String> {
        let cron = parse(pattern)
            .ok_or_else(|| format!("The specified pattern is not valid: {pattern}"))?;
        let zone = match zone {
            None => None,
            Some(z) => Some(
                z.parse::<chrono_tz::Tz>()
                    .map_err(|_| format!("Unknown time zone: {z}"))?,
            ),
        };
        Ok(Self { cron, zone })
    }

    /// The first time the pattern names strictly after `after` (UTC), as
    /// croniter's `get_next` answers it; `None` if it names none.
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        match self.zone {
            None => self
                .cron
                .find_next_occurrence(&Utc.from_utc_datetime(&after), false)
                .ok()
                .map(|t| t.naive_utc()),
            Some(tz) => self
                .cron
                .find_next_occurrence(&tz.from_utc_datetime(&after), false)
                .ok()
                .map(|t| t.naive_utc()),
        }
    }
}

/// `first_execution_time` as Mistral reads it (`%Y-%m-%d %H:%M`), with
/// Python's `strptime` messages.
pub fn parse_first_time(s: &str) -> Result<Timestamp, String> {
    const FORMAT: &str = "%Y-%m-%d %H:%M";
    if let Ok(t) = NaiveDateTime::parse_from_str(s, FORMAT) {
        return Ok(t);
    }
    // A valid time followed by more text: Python names the rest.
    for (i, _) in s.char_indices().skip(1) {
        if NaiveDateTime::parse_from_str(&s[..i], FORMAT).is_ok()
            && !s[i..].starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(format!("unconverted data remains: {}", &s[i..]));
        }
    }
    Err(format!("time data '{s}' does not match format '{FORMAT}'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn next(p: &str, zone: Option<&str>, after: &str) -> String {
        Schedule::new(p, zone)
            .unwrap()
            .next_after(t(after))
            .unwrap()
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    #[test]
    fn patterns_mistral_accepts_and_refuses() {
        for ok in [
            "5 * * * *",
            "*/7 * * * 7",
            "@hourly",
            "5 * * * * *",
            "0 0 30 2 0",
            "0 9 * * mon-fri",
        ] {
            assert!(parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "5 *",
            "88 * * * *",
            "* 88 * * *",
            "* * * 35 *",
            "* * * * 15",
            "",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn next_times_as_croniter() {
        assert_eq!(
            next("5 * * * *", None, "2026-12-04 20:21:26"),
            "2026-12-04 21:05:00"
        );
        assert_eq!(
            next("5 * * * *", None, "2026-12-04 21:05:00"),
            "2026-12-04 22:05:00"
        );
        assert_eq!(
            next("*/7 * * * 7", None, "2026-12-04 20:21:27"),
            "2026-12-06 00:00:00"
        );
        assert_eq!(
            next("@hourly", None, "2026-12-04 20:21:26"),
            "2026-12-04 21:00:00"
        );
        assert_eq!(
            next("5 * * * * *", None, "2026-12-04 20:21:26"),
            "2026-12-04 21:05:00"
        );
        assert_eq!(
            next("* * * * *", None, "2026-12-04 20:21:00"),
            "2026-12-04 20:22:00"
        );
    }

    #[test]
    fn zones() {
        // 09:00 in Paris is 08:00 UTC in winter, 07:00 in summer.
        assert_eq!(
            next("0 9 * * *", Some("Europe/Paris"), "2026-12-04 10:00:00"),
            "2026-12-05 08:00:00"
        );
        assert_eq!(
            next("0 9 * * *", Some("Europe/Paris"), "2026-07-04 10:00:00"),
            "2026-07-05 07:00:00"
        );
        assert!(Schedule::new("0 9 * * *", Some("Mars/Olympus")).is_err());
    }

    #[test]
    fn first_times() {
        assert_eq!(
            parse_first_time("4242-12-25 13:37").unwrap(),
            t("4242-12-25 13:37:00")
        );
        assert_eq!(
            parse_first_time("q").unwrap_err(),
            "time data 'q' does not match format '%Y-%m-%d %H:%M'"
        );
        assert_eq!(
            parse_first_time("4020-01-01 00:00:00").unwrap_err(),
            "unconverted data remains: :00"
        );
    }
}
