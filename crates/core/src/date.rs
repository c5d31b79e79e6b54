//! A calendar date (`YYYY-MM-DD`), enough for registration dates without a time-zone library.

use std::fmt;

/// A proleptic Gregorian calendar date. Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, 0–9999.
    pub year: u16,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31 (validated against the month and leap years).
    pub day: u8,
}

impl Date {
    /// Builds a date, or says why the numbers are impossible.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, String> {
        if year > 9999 {
            return Err(format!("year {year} is out of range 0-9999"));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("month {month} is out of range 1-12"));
        }
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            _ if leap => 29,
            _ => 28,
        };
        if day == 0 || day > days {
            return Err(format!("day {day} does not exist in {year:04}-{month:02}"));
        }
        Ok(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`; a trailing time (`T…` or ` …`, as in RFC 3339) is accepted and
    /// ignored, because registration is recorded to the day.
    pub fn parse(text: &str) -> Result<Date, String> {
        let date = match text.find(['T', 't', ' ']) {
            Some(10) => &text[..10],
            _ => text,
        };
        let bytes = date.as_bytes();
        let well_formed = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !well_formed {
            return Err(format!("`{text}` is not a date of the form YYYY-MM-DD"));
        }
        let num = |r: std::ops::Range<usize>| date[r].parse::<u16>().expect("digits checked");
        Date::new(num(0..4), num(5..7) as u8, num(8..10) as u8)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_datetimes() {
        assert_eq!(
            Date::parse("2026-04-11").unwrap(),
            Date::new(2026, 4, 11).unwrap()
        );
        assert_eq!(
            Date::parse("2026-04-11T07:37:53Z").unwrap().to_string(),
            "2026-04-11"
        );
    }

    #[test]
    fn rejects_impossible_dates() {
        assert!(Date::parse("2025-02-29").is_err());
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2026-13-01").is_err());
        assert!(Date::parse("2026-1-01").is_err());
        assert!(Date::parse("yesterday").is_err());
    }
}
