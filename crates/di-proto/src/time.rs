//! UTC timestamps in the wire form `yyyy-MM-ddTHH:mm:ssZ`, without a date library.
//!
//! di-proto never reads the clock: callers turn their clock reading into a [`Timestamp`] and
//! pass it in. The conversion between days and civil dates is Howard Hinnant's
//! `days_from_civil` / `civil_from_days` ("chrono-Compatible Low-Level Date Algorithms").

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Error;

/// A whole second in UTC between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
///
/// It becomes the V1 `Timestamp` parameter and the V3 `x-acs-date` header, both written as
/// `yyyy-MM-ddTHH:mm:ssZ` with no fraction.
///
/// ```
/// use di_proto::Timestamp;
/// let timestamp = Timestamp::from_unix_seconds(1_456_231_584)?;
/// assert_eq!(timestamp.to_string(), "2016-02-23T12:46:24Z");
/// assert_eq!(Timestamp::parse("2016-02-23T12:46:24Z")?, timestamp);
/// # Ok::<(), di_proto::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    unix_seconds: i64,
}

const SECONDS_PER_DAY: i64 = 86_400;
/// 9999-12-31T23:59:59Z, the last second with a four-digit year.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

impl Timestamp {
    /// The earliest timestamp, 1970-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp { unix_seconds: 0 };
    /// The latest timestamp, 9999-12-31T23:59:59Z.
    pub const MAX: Timestamp = Timestamp {
        unix_seconds: MAX_UNIX_SECONDS,
    };

    /// The timestamp `unix_seconds` after 1970-01-01T00:00:00Z.
    ///
    /// # Errors
    /// [`Error::TimestampOutOfRange`] before 1970 or after 9999.
    pub fn from_unix_seconds(unix_seconds: i64) -> Result<Self, Error> {
        if (0..=MAX_UNIX_SECONDS).contains(&unix_seconds) {
            Ok(Timestamp { unix_seconds })
        } else {
            Err(Error::TimestampOutOfRange { unix_seconds })
        }
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> i64 {
        self.unix_seconds
    }

    /// This timestamp moved by `seconds` (negative moves it back), for clock-skew correction.
    ///
    /// # Errors
    /// [`Error::TimestampOutOfRange`] when the result leaves the supported range.
    pub fn checked_add_seconds(self, seconds: i64) -> Result<Self, Error> {
        match self.unix_seconds.checked_add(seconds) {
            Some(moved) => Timestamp::from_unix_seconds(moved),
            None => Err(Error::TimestampOutOfRange {
                unix_seconds: if seconds < 0 { i64::MIN } else { i64::MAX },
            }),
        }
    }

    /// Parses the wire form `yyyy-MM-ddTHH:mm:ssZ`, strictly: no fraction, no offset, no
    /// lower-case `t`/`z`, and only dates that exist.
    ///
    /// # Errors
    /// [`Error::InvalidTimestamp`] for any other text.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidTimestamp {
            input: crate::error::truncate_for_message(input, 64),
        };
        let bytes: &[u8; 20] = input.as_bytes().try_into().map_err(|_| invalid())?;
        let separators = [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'Z'),
        ];
        if separators.iter().any(|&(at, byte)| bytes[at] != byte) {
            return Err(invalid());
        }
        let number = |from: usize, to: usize| -> Option<i64> {
            bytes[from..to].iter().try_fold(0_i64, |acc, &byte| {
                byte.is_ascii_digit()
                    .then(|| acc * 10 + i64::from(byte - b'0'))
            })
        };
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            number(0, 4),
            number(5, 7),
            number(8, 10),
            number(11, 13),
            number(14, 16),
            number(17, 19),
        ) else {
            return Err(invalid());
        };
        let valid = year >= 1970
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60;
        if !valid {
            return Err(invalid());
        }
        let days = days_from_civil(year, month, day);
        Timestamp::from_unix_seconds(days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second)
    }

    /// Parses an HTTP date, as a response's `Date` header carries it: the preferred
    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms that
    /// RFC 9110 still asks recipients to accept, RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`,
    /// years `70`–`99` in the 1900s, the rest in the 2000s) and asctime
    /// (`Sun Nov  6 08:49:37 1994`). Surrounding white space is ignored; the weekday must match
    /// the date.
    ///
    /// ```
    /// use di_proto::Timestamp;
    /// let date = Timestamp::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT")?;
    /// assert_eq!(date.to_string(), "1994-11-06T08:49:37Z");
    /// assert_eq!(Timestamp::parse_http_date("Sun Nov  6 08:49:37 1994")?, date);
    /// assert!(Timestamp::parse_http_date("Mon, 06 Nov 1994 08:49:37 GMT").is_err());
    /// # Ok::<(), di_proto::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidTimestamp`] for any other text, or a date before 1970 or after 9999.
    pub fn parse_http_date(input: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidTimestamp {
            input: crate::error::truncate_for_message(input, 64),
        };
        let bytes = input.trim().as_bytes();
        let fields = imf_fixdate(bytes)
            .or_else(|| rfc850_date(bytes))
            .or_else(|| asctime(bytes))
            .ok_or_else(invalid)?;
        let HttpDateFields {
            weekday,
            year,
            month,
            day,
            hour,
            minute,
            second,
        } = fields;
        let valid = (1970..=9999).contains(&year)
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60;
        if !valid {
            return Err(invalid());
        }
        let days = days_from_civil(year, month, day);
        // 1970-01-01 was a Thursday (4, counting Monday as 1).
        if (days + 3) % 7 + 1 != weekday {
            return Err(invalid());
        }
        Timestamp::from_unix_seconds(days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second)
    }

    /// Appends the wire form `yyyy-MM-ddTHH:mm:ssZ` (20 bytes) to `out`.
    pub fn write_to(self, out: &mut String) {
        out.push_str(self.wire().as_str());
    }

    /// The wire form `yyyy-MM-ddTHH:mm:ssZ`, on the stack.
    pub(crate) fn wire(self) -> WireTimestamp {
        let days = self.unix_seconds.div_euclid(SECONDS_PER_DAY);
        let second_of_day = self.unix_seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let mut bytes = *b"0000-00-00T00:00:00Z";
        // Each field is in range (the year has four digits), so every digit is one byte.
        let mut put = |at: usize, value: i64, width: usize| {
            let mut value = value;
            for slot in bytes[at..at + width].iter_mut().rev() {
                *slot = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, year, 4);
        put(5, month, 2);
        put(8, day, 2);
        put(11, second_of_day / 3600, 2);
        put(14, second_of_day / 60 % 60, 2);
        put(17, second_of_day % 60, 2);
        WireTimestamp(bytes)
    }
}

/// A timestamp's 20-byte wire form, formatted without allocating.
#[derive(Clone, Copy)]
pub(crate) struct WireTimestamp([u8; 20]);

impl WireTimestamp {
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits and separators are written, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire().as_str())
    }
}

impl TryFrom<SystemTime> for Timestamp {
    type Error = Error;

    /// Truncates to the whole second.
    fn try_from(time: SystemTime) -> Result<Self, Error> {
        match time.duration_since(UNIX_EPOCH) {
            Ok(since_epoch) => Timestamp::from_unix_seconds(
                i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX),
            ),
            Err(before_epoch) => Err(Error::TimestampOutOfRange {
                unix_seconds: i64::try_from(before_epoch.duration().as_secs())
                    .map_or(i64::MIN, |seconds| -seconds),
            }),
        }
    }
}

/// The fields of an HTTP date, before validation.
struct HttpDateFields {
    /// Monday is 1, Sunday 7.
    weekday: i64,
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// The decimal value of `bytes`, all ASCII digits.
fn digits(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() {
        return None;
    }
    bytes.iter().try_fold(0_i64, |acc, &byte| {
        byte.is_ascii_digit()
            .then(|| acc * 10 + i64::from(byte - b'0'))
    })
}

fn month_number(name: &[u8]) -> Option<i64> {
    MONTHS
        .iter()
        .position(|month| month.as_slice() == name)
        .map(|index| index as i64 + 1)
}

/// `HH:MM:SS` at the start of `bytes`.
fn time_of_day(bytes: &[u8]) -> Option<(i64, i64, i64)> {
    match bytes {
        [h1, h2, b':', m1, m2, b':', s1, s2] => Some((
            digits(&[*h1, *h2])?,
            digits(&[*m1, *m2])?,
            digits(&[*s1, *s2])?,
        )),
        _ => None,
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn imf_fixdate(bytes: &[u8]) -> Option<HttpDateFields> {
    if bytes.len() != 29 || bytes.get(3..5)? != b", " || bytes.get(25..)? != b" GMT" {
        return None;
    }
    let weekday = WEEKDAYS
        .iter()
        .position(|name| name.as_bytes().get(..3) == bytes.get(..3))? as i64
        + 1;
    let [b' ', d1, d2, b' ', m1, m2, m3, b' ', y1, y2, y3, y4, b' '] = *bytes.get(4..17)? else {
        return None;
    };
    let (hour, minute, second) = time_of_day(bytes.get(17..25)?)?;
    Some(HttpDateFields {
        weekday,
        year: digits(&[y1, y2, y3, y4])?,
        month: month_number(&[m1, m2, m3])?,
        day: digits(&[d1, d2])?,
        hour,
        minute,
        second,
    })
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`
fn rfc850_date(bytes: &[u8]) -> Option<HttpDateFields> {
    let (weekday, rest) = WEEKDAYS.iter().enumerate().find_map(|(index, name)| {
        let rest = bytes.strip_prefix(name.as_bytes())?.strip_prefix(b", ")?;
        Some((index as i64 + 1, rest))
    })?;
    let [d1, d2, b'-', m1, m2, m3, b'-', y1, y2, b' '] = *rest.get(..10)? else {
        return None;
    };
    if rest.len() != 22 || rest.get(18..)? != b" GMT" {
        return None;
    }
    let (hour, minute, second) = time_of_day(rest.get(10..18)?)?;
    let year = digits(&[y1, y2])?;
    Some(HttpDateFields {
        weekday,
        year: if year < 70 { 2000 + year } else { 1900 + year },
        month: month_number(&[m1, m2, m3])?,
        day: digits(&[d1, d2])?,
        hour,
        minute,
        second,
    })
}

/// `Sun Nov  6 08:49:37 1994`
fn asctime(bytes: &[u8]) -> Option<HttpDateFields> {
    if bytes.len() != 24 {
        return None;
    }
    let weekday = WEEKDAYS
        .iter()
        .position(|name| name.as_bytes().get(..3) == bytes.get(..3))? as i64
        + 1;
    let [b' ', m1, m2, m3, b' ', d1, d2, b' '] = *bytes.get(3..11)? else {
        return None;
    };
    let day = if d1 == b' ' {
        digits(&[d2])?
    } else {
        digits(&[d1, d2])?
    };
    let (hour, minute, second) = time_of_day(bytes.get(11..19)?)?;
    if bytes.get(19) != Some(&b' ') {
        return None;
    }
    Some(HttpDateFields {
        weekday,
        year: digits(bytes.get(20..24)?)?,
        month: month_number(&[m1, m2, m3])?,
        day,
        hour,
        minute,
        second,
    })
}

fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date; `year >= 1970` here.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year - era * 400;
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01; `days >= 0` here.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(unix_seconds: i64, wire: &str) {
        let timestamp = Timestamp::from_unix_seconds(unix_seconds).unwrap();
        assert_eq!(timestamp.to_string(), wire, "formatting {unix_seconds}");
        assert_eq!(Timestamp::parse(wire).unwrap(), timestamp, "parsing {wire}");
    }

    #[test]
    fn formats_and_parses_known_instants() {
        check(0, "1970-01-01T00:00:00Z");
        check(951_782_400, "2000-02-29T00:00:00Z");
        check(1_456_231_584, "2016-02-23T12:46:24Z");
        check(1_698_310_861, "2023-10-26T09:01:01Z");
        check(1_909_248_054, "2030-07-02T18:40:54Z");
        check(4_107_542_399, "2100-02-28T23:59:59Z");
        check(MAX_UNIX_SECONDS, "9999-12-31T23:59:59Z");
    }

    #[test]
    fn every_day_round_trips() {
        for day in (0..MAX_UNIX_SECONDS / SECONDS_PER_DAY).step_by(7) {
            let timestamp = Timestamp::from_unix_seconds(day * SECONDS_PER_DAY + 3_723).unwrap();
            assert_eq!(Timestamp::parse(&timestamp.to_string()).unwrap(), timestamp);
        }
    }

    #[test]
    fn rejects_out_of_range() {
        for unix_seconds in [-1, MAX_UNIX_SECONDS + 1, i64::MIN, i64::MAX] {
            assert_eq!(
                Timestamp::from_unix_seconds(unix_seconds),
                Err(Error::TimestampOutOfRange { unix_seconds })
            );
        }
        let before_epoch = UNIX_EPOCH - std::time::Duration::from_secs(5);
        assert_eq!(
            Timestamp::try_from(before_epoch),
            Err(Error::TimestampOutOfRange { unix_seconds: -5 })
        );
        assert!(Timestamp::MAX.checked_add_seconds(1).is_err());
        assert!(Timestamp::MIN.checked_add_seconds(i64::MIN).is_err());
    }

    #[test]
    fn rejects_malformed_text() {
        for input in [
            "",
            "2016-02-23T12:46:24",
            "2016-02-23T12:46:24.000Z",
            "2016-02-23 12:46:24Z",
            "2016-02-23t12:46:24z",
            "2016-02-30T12:46:24Z",
            "2015-02-29T00:00:00Z",
            "2016-13-01T00:00:00Z",
            "2016-00-01T00:00:00Z",
            "2016-02-23T24:00:00Z",
            "2016-02-23T23:60:00Z",
            "2016-02-23T23:59:60Z",
            "1969-12-31T23:59:59Z",
            "+016-02-23T12:46:24Z",
            "２016-02-23T12:46:24Z",
        ] {
            assert!(
                matches!(Timestamp::parse(input), Err(Error::InvalidTimestamp { .. })),
                "{input:?} was accepted"
            );
        }
    }

    #[test]
    fn parses_the_three_http_date_forms() {
        let expected = Timestamp::from_unix_seconds(784_111_777).unwrap();
        for input in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "  Sun, 06 Nov 1994 08:49:37 GMT ",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(Timestamp::parse_http_date(input), Ok(expected), "{input:?}");
        }
        assert_eq!(
            Timestamp::parse_http_date("Thursday, 01-Jan-60 00:00:00 GMT")
                .unwrap()
                .to_string(),
            "2060-01-01T00:00:00Z"
        );
        for input in [
            "",
            "Mon, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Sun Nov  6 08:49:37 94",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:3\u{e9}GMT",
        ] {
            assert!(
                Timestamp::parse_http_date(input).is_err(),
                "{input:?} was accepted"
            );
        }
    }

    #[test]
    fn system_time_truncates_to_the_second() {
        let time = UNIX_EPOCH + std::time::Duration::from_millis(1_456_231_584_999);
        assert_eq!(
            Timestamp::try_from(time).unwrap().to_string(),
            "2016-02-23T12:46:24Z"
        );
    }
}
